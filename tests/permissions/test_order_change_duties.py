"""Whoever writes an order change notice does not also confirm it.

Before: the notice recorded no writer and ``confirm_changes`` named nobody in
``not_by``, so a supervisor wrote a change to a signed contract (a new unit price) and
confirmed it themselves — one person, two signatures, on the one change a signed
contract still takes.
"""
from __future__ import annotations

from models import OrderChange

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_contract,
    step,
    text,
    today,
    user_client_fixture,
)
from ..workflows.test_workflow_contracts import add_change, changes_of


def test_the_writer_of_an_order_change_does_not_confirm_it(app, world, clean, user_client,
                                                          colleagues):
    pk = make_contract(app, world, status="signed", signed_on=today())
    supervisor = user_client("supervisor")
    add_change(supervisor, app, pk, "单价调整为 1 元")
    [(change, status, *_)] = changes_of(app, pk)
    assert fetch(app, OrderChange, change, "recorded_by_id") == world.users["supervisor"]
    details = text(supervisor.get(f"/admin/contract/details/?id={pk}"))
    assert 'name="transition" value="confirm_changes"' not in details
    page = text(step(supervisor, "contract", pk, "confirm_changes"))
    assert "cannot be the same person" in page
    assert changes_of(app, pk)[0][1:3] == ("pending", None)

    # Another supervisor of the department confirms it as business manager.
    other = user_client("manager.service")
    assert "Done" in text(step(other, "contract", pk, "confirm_changes"))
    assert changes_of(app, pk)[0][1] == "business_confirmed"
    assert fetch(app, OrderChange, change, "business_confirmed_by_id") == \
        world.users["manager.service"]


def test_a_confirmed_notice_of_ones_own_does_not_bar_confirming_a_new_one(
        app, world, clean, user_client, colleagues):
    pk = make_contract(app, world, status="signed", signed_on=today())
    supervisor, other = user_client("supervisor"), user_client("manager.service")
    add_change(supervisor, app, pk, "交货期延后一周")
    assert "Done" in text(step(other, "contract", pk, "confirm_changes"))
    [(first, *_)] = changes_of(app, pk)
    add_change(user_client("clerk.service"), app, pk, "增加数量", index=1, **{
        "order_changes-0-id": str(first), "order_changes-0-reason": "客户要求",
        "order_changes-0-content": "交货期延后一周"})
    assert "Done" in text(step(supervisor, "contract", pk, "confirm_changes"))
    assert [row[1] for row in changes_of(app, pk)] == ["business_confirmed"] * 2
