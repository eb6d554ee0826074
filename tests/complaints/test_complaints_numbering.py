"""Complaint numbers: YY + MM of receipt (Asia/Shanghai) + a monthly serial of ≥ 3 digits,
given on registration, never twice — also when many clerks register at the same moment."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from models import Complaint, NumberCounter, db

from ..test_complaints_support import clean_complaints_fixture  # noqa: F401  (autouse)
from ..threads import run_at_once


def complaint_of(world, received_at: datetime, **fields) -> Complaint:
    """A new complaint of the service department (received_at: naive UTC)."""
    customer = world.rows_of("customer")[0].id
    return Complaint(customer_id=customer, department_id=world.departments["service"],
                     received_at=received_at, content="测试投诉", level="internal", **fields)


def last_serial(period: str) -> int:
    counter = db.session.get(NumberCounter, f"complaint:{period}")
    return counter.last if counter else 0


def register(world, received_at: datetime) -> str:
    complaint = complaint_of(world, received_at)
    db.session.add(complaint)
    db.session.commit()
    return complaint.number


def test_number_is_year_month_of_receipt_and_a_monthly_serial(app, world):
    with app.app_context():
        start = last_serial("2402")
        first = register(world, datetime(2024, 2, 10, 2, 0))
        second = register(world, datetime(2024, 2, 20, 2, 0))
        march = last_serial("2403")
        other_month = register(world, datetime(2024, 3, 1, 2, 0))
    assert first == f"2402{start + 1:03d}"
    assert second == f"2402{start + 2:03d}"
    assert other_month == f"2403{march + 1:03d}"  # the serial restarts each month


def test_the_month_is_the_shanghai_month(app, world):
    """31 October 2024 16:30 UTC is already 1 November 00:30 in Shanghai."""
    with app.app_context():
        november = last_serial("2411")
        number = register(world, datetime(2024, 10, 31, 16, 30))
    assert number == f"2411{november + 1:03d}"


def test_serial_keeps_growing_past_three_digits(app, world):
    with app.app_context():
        db.session.merge(NumberCounter(scope="complaint:2405", last=999))
        db.session.commit()
        assert register(world, datetime(2024, 5, 6, 2, 0)) == "24051000"


def test_one_flush_numbers_in_order_of_receipt(app, world):
    with app.app_context():
        start = last_serial("2406")
        late = complaint_of(world, datetime(2024, 6, 20, 2, 0))
        early = complaint_of(world, datetime(2024, 6, 3, 2, 0))
        db.session.add_all([late, early])
        db.session.commit()
        assert (early.number, late.number) == (f"2406{start + 1:03d}", f"2406{start + 2:03d}")


def test_a_number_is_never_given_again(app, world):
    """A registration that fails takes its serial back with it; a saved one keeps it, and
    the next registration gets the next serial."""
    with app.app_context():
        start = last_serial("2407")
        broken = complaint_of(world, datetime(2024, 7, 1, 2, 0), quantity_affected=-1)
        db.session.add(broken)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()  # the CHECK refuses it: nothing is registered
        db.session.rollback()
        first = register(world, datetime(2024, 7, 2, 2, 0))
        second = register(world, datetime(2024, 7, 3, 2, 0))
        assert [first, second] == [f"2407{start + 1:03d}", f"2407{start + 2:03d}"]
        numbers = db.session.scalars(sa.select(Complaint.number).where(
            Complaint.number.like("2407%"))).all()
        assert len(numbers) == len(set(numbers))


@pytest.fixture
def postgres_app(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent registrations are proved on PostgreSQL")
    return app


def test_concurrent_registrations_get_distinct_consecutive_numbers(postgres_app, world):
    """20 clerks, each in a session of their own, register at the same moment."""
    app, clerks = postgres_app, 20
    with app.app_context():
        start = last_serial("2408")
    barrier = threading.Barrier(clerks)

    def clerk():
        with app.app_context():
            complaint = complaint_of(world, datetime(2024, 8, 15, 3, 0))
            db.session.add(complaint)
            barrier.wait(timeout=30)
            db.session.commit()
            number = complaint.number
            db.session.remove()
            return number

    numbers = run_at_once(*[clerk] * clerks)
    assert sorted(numbers) == [f"2408{serial:03d}"
                               for serial in range(start + 1, start + clerks + 1)]
    with app.app_context():
        assert last_serial("2408") == start + clerks
