"""First-response targets, in working days.

Each partnership aims to first answer an item (a status change from "Received", or a published reply) within
`Lcp.response_target_days` working days of its arrival. Working days are Monday to Friday, less England's bank
holidays (the `holidays` package's list for England, which Leeds follows). An item that arrives at the weekend or
on a bank holiday starts counting from the next working day, as a letter would.

Days are London days: an item sent at 23:30 on a Friday arrived on Friday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from app.clock import london_date, london_to_utc, london_today

DEFAULT_TARGET_DAYS = 10
# The longest target a partnership may set: three months of working days.
MOST_TARGET_DAYS = 65


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (which need not be a working day itself)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days come after `start`, up to and including `end`; negative when `end` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def due_date(arrived: datetime, target_days: int) -> date:
    """The last day to first answer an item that arrived at `arrived` (UTC)."""
    return add_working_days(london_date(arrived), target_days)


@dataclass(frozen=True)
class Standing:
    """Where one unanswered item stands against its target: `days` working days left until `due` (0: due today),
    or, when negative, that many working days over."""

    due: date
    days: int

    @property
    def over(self) -> bool:
        return self.days < 0


def standing(arrived: datetime, target_days: int, today: date | None = None) -> Standing:
    today = today or london_today()
    due = due_date(arrived, target_days)
    return Standing(due, working_days_between(today, due))


def overdue_before(target_days: int, today: date | None = None) -> datetime:
    """The UTC moment before which an item that is still unanswered is past a target of `target_days`: its due day
    is before today. The due day grows with the arrival day, so every earlier arrival is over too."""
    today = today or london_today()
    day = today
    while add_working_days(day, target_days) >= today:
        day -= timedelta(days=1)
    return london_to_utc(day + timedelta(days=1))
