"""Working days on the official Chinese calendar, across the 2026 holidays.

Expectations follow the State Council's notice on the 2026 holidays
(国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号):

- Spring Festival: off 15–23 February 2026; make-up working days Saturday 14 February
  and Saturday 28 February.
- Mid-Autumn Festival: off 25–27 September 2026.
- National Day: off 1–7 October 2026; make-up working days Sunday 20 September and
  Saturday 10 October.

Each hard-coded day is also checked against ``chinese_calendar`` itself below, so a
wrong expectation fails as such rather than as a product bug.
"""
from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from models import workdays
from models.workdays import add_working_days, is_working_day

D = date.fromisoformat

#: Days the notice names, with what they are.
NOTICE = {
    "2026-02-14": True,   # Saturday, make-up working day (Spring Festival)
    "2026-02-15": False,  # Spring Festival holiday starts
    "2026-02-23": False,  # last day of the Spring Festival holiday (a Monday)
    "2026-02-24": True,
    "2026-02-28": True,   # Saturday, make-up working day (Spring Festival)
    "2026-03-01": False,  # an ordinary Sunday
    "2026-09-20": True,   # Sunday, make-up working day (National Day)
    "2026-09-25": False,  # Mid-Autumn Festival (a Friday)
    "2026-10-01": False,  # National Day holiday starts
    "2026-10-07": False,  # last day of the National Day holiday (a Wednesday)
    "2026-10-08": True,
    "2026-10-10": True,   # Saturday, make-up working day (National Day)
    "2026-10-11": False,  # an ordinary Sunday
}


@pytest.mark.parametrize("day, working", NOTICE.items())
def test_the_package_follows_the_notice(day, working):
    assert chinese_calendar.is_workday(D(day)) is working
    assert is_working_day(D(day)) == (working, False)


@pytest.mark.parametrize("received, days, due", [
    # Spring Festival 2026
    ("2026-02-13", 1, "2026-02-14"),  # Friday → the make-up Saturday
    ("2026-02-13", 3, "2026-02-25"),  # 14th (Sat), then 24th, 25th after the holiday
    ("2026-02-14", 1, "2026-02-24"),  # received on the make-up Saturday
    ("2026-02-18", 1, "2026-02-24"),  # received during the holiday
    ("2026-02-18", 3, "2026-02-26"),
    ("2026-02-27", 1, "2026-02-28"),  # Friday → the second make-up Saturday
    ("2026-02-27", 3, "2026-03-03"),  # 28th (Sat), 2nd, 3rd March
    # Mid-Autumn and National Day 2026
    ("2026-09-19", 1, "2026-09-20"),  # Saturday → the make-up Sunday
    ("2026-09-24", 1, "2026-09-28"),  # Thursday → after the Mid-Autumn days off
    ("2026-09-29", 1, "2026-09-30"),
    ("2026-09-30", 1, "2026-10-08"),  # the example: eve of National Day
    ("2026-09-30", 3, "2026-10-10"),  # 8th, 9th, then the make-up Saturday
    ("2026-10-03", 1, "2026-10-08"),  # received during the holiday
    ("2026-10-09", 1, "2026-10-10"),  # Friday → the make-up Saturday
    ("2026-09-30", 7, "2026-10-15"),  # the extension limit of a major complaint
])
def test_nth_working_day_after_receipt(received, days, due):
    assert add_working_days(D(received), days) == (D(due), False)
    # The expectation itself, counted with the package directly.
    day, left = D(received), days
    while left:
        day = date.fromordinal(day.toordinal() + 1)
        left -= chinese_calendar.is_workday(day)
    assert day == D(due)


def test_the_day_of_receipt_is_not_counted():
    assert add_working_days(D("2026-10-08"), 1).day == D("2026-10-09")


def lagging_calendar(first_missing_year: int):
    """The package as it is before the State Council's notice for ``first_missing_year``."""
    real = chinese_calendar.is_workday

    def is_workday(day):
        if day.year >= first_missing_year:
            raise NotImplementedError(f"no data for {day.year}")
        return real(day)
    return is_workday


def test_a_year_the_calendar_does_not_cover_counts_weekends_only(monkeypatch):
    """Friday 1 January 2027 is counted as a working day (it will be New Year's Day) and
    the result says it is a guess."""
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2027))
    assert add_working_days(D("2026-12-31"), 1) == (D("2027-01-01"), True)
    assert add_working_days(D("2026-12-31"), 3) == (D("2027-01-05"), True)  # skips a weekend
    assert add_working_days(D("2026-12-30"), 1) == (D("2026-12-31"), False)
    assert is_working_day(D("2027-01-02")) == (False, True)


def test_provisional_only_when_a_day_on_the_way_was_guessed(monkeypatch):
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2026))
    assert add_working_days(D("2025-12-30"), 1) == (D("2025-12-31"), False)
    assert add_working_days(D("2025-12-31"), 1) == (D("2026-01-01"), True)


def test_the_installed_package_raises_for_an_uncovered_year():
    """What the fallback relies on (chinesecalendar's documented behaviour)."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2100-01-04"))
