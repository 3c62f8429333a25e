"""Working days in Vietnam: weekends and public holidays, Tết included, do not count."""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


@lru_cache(maxsize=64)
def _holidays(year):
    return holidays.country_holidays("VN", years=year)


def is_working_day(day):
    return day.weekday() < 5 and day not in _holidays(day.year)


def due_date(received_at, working_days):
    """Return the end of the nth working day after the day the report was received.

    A report received at 10:00 on a Monday with two working days is due at the end of
    Wednesday, local time; one received on a Saturday starts counting on Monday.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    day = received_at.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    end_of_day = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=zone)
    return end_of_day.astimezone(datetime.UTC)
