"""Issue 16 item 2: no preselected values the user did not choose (a department select of
a step started at the first department listed, 销售部; the penalty form showed a raw
``__None``), and an already overdue loan is not approved without a warning."""
from __future__ import annotations

import re
from datetime import timedelta

from models import Loan, Penalty

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    make_penalty,
    step,
    text,
    today,
    user_client_fixture,
)


def select_of(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, f"no select {name!r}"
    return found.group(1)


def test_a_steps_department_starts_empty(app, world, clean, user_client):
    penalty = make_penalty(app, world, status="approved")
    gm = user_client("gm")
    page = text(gm.get(f"/admin/penalty/details/?id={penalty}"))
    for name in ("accounting_department", "deducting_department"):
        options = select_of(page, name)
        assert options.lstrip().startswith('<option value="" selected>—</option>')
        assert options.count("selected") == 1
    # Sent as it was shown, the step asks for the departments instead of guessing one.
    refused = text(step(gm, "penalty", penalty, "distribute", accounting_department="",
                        deducting_department=""))
    assert "is required" in refused
    assert fetch(app, Penalty, penalty, "accounting_department_id") is None


def test_the_penalty_form_shows_no_raw_blank(app, world, clean, user_client):
    page = text(user_client("gm").get("/admin/penalty/new/"))
    assert "__None</option>" not in page
    options = select_of(page, "responsible_department")
    assert re.match(r'\s*<option selected value="__None">—</option>', options)


def test_an_overdue_loan_is_approved_only_after_a_warning(app, world, clean, user_client):
    file = make_file(app, world)
    late = make_loan(app, world, file, due_date=today() - timedelta(days=2))
    gm = user_client("gm")
    page = text(gm.get(f"/admin/loan/details/?id={late}"))
    warnings = re.findall(r'data-step-warning="1">([^<]*)<', page)
    assert warnings and all("This loan is already overdue" in w for w in warnings)
    assert str(today() - timedelta(days=2)) in warnings[0]
    # A loan within its date: no warning.
    timely = make_loan(app, world, make_file(app, world), due_date=today() + timedelta(days=3))
    assert 'data-step-warning="1"' not in text(gm.get(f"/admin/loan/details/?id={timely}"))
    # The warning informs; the GM office still decides.
    step(gm, "loan", late, "approve")
    assert fetch(app, Loan, late, "status") == "approved"
