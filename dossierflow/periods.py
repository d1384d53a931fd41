"""Whole years between dates, counted as Chinese law counts a period in years.

《民法典》第二百零二条: a period in years ends on the corresponding day of the final month, and
where that month has no such day (29 February in a common year), on the month's last day. One
rule for every caller: seniority (满五年 on 2019-12-31), blacklist expiry, the age checks of
the integrity leads.
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_years(day: dt.date, years: int) -> dt.date:
    """The day `years` years after `day`; 29 February falls to 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def whole_years(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (2014-12-31 → 2019-12-31 is 5, 2015-01-01 is 4;
    2016-02-29 → 2017-02-28 is 1); -1 when `end` is before `start`."""
    if end < start:
        return -1
    years = end.year - start.year
    return years if add_years(start, years) <= end else years - 1
