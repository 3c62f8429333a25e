"""Due dates in working days: weekends and Vietnamese public holidays do not count."""

import datetime
from zoneinfo import ZoneInfo

import holidays

from cthainguyen.workdays import due_date, is_working_day

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args):
    return datetime.datetime(*args, tzinfo=HANOI)


def end_of(day):
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=HANOI)


def test_the_holidays_package_lists_tet_2026_from_the_16th_to_the_20th_of_february():
    listed = holidays.country_holidays("VN", years=2026)
    tet = [
        day
        for day in listed
        if datetime.date(2026, 2, 1) <= day < datetime.date(2026, 3, 1)
    ]
    assert sorted(tet) == [datetime.date(2026, 2, d) for d in range(16, 21)]


def test_two_working_days_from_a_monday_morning_end_on_wednesday_night():
    due = due_date(local(2026, 3, 9, 10, 0), 2)  # Monday
    assert due == end_of(datetime.date(2026, 3, 11))
    assert due.tzinfo == datetime.UTC
    assert due == datetime.datetime(2026, 3, 11, 16, 59, 59, tzinfo=datetime.UTC)


def test_a_weekend_does_not_count():
    friday = local(2026, 3, 13, 16, 0)
    assert due_date(friday, 1) == end_of(datetime.date(2026, 3, 16))  # Monday
    assert due_date(friday, 3) == end_of(datetime.date(2026, 3, 18))  # Wednesday


def test_a_report_received_on_a_saturday_starts_counting_on_monday():
    saturday = local(2026, 3, 14, 9, 30)
    assert due_date(saturday, 1) == end_of(datetime.date(2026, 3, 16))
    assert due_date(saturday, 5) == end_of(datetime.date(2026, 3, 20))


def test_a_report_received_just_before_tet_is_due_after_the_holiday():
    # Friday 13 February 2026; Tết runs Monday 16 to Friday 20, then a weekend.
    received = local(2026, 2, 13, 10, 0)
    assert due_date(received, 1) == end_of(datetime.date(2026, 2, 23))
    assert due_date(received, 3) == end_of(datetime.date(2026, 2, 25))


def test_reunification_day_and_labour_day_do_not_count():
    # Wednesday 29 April 2026; 30 April and 1 May are holidays, then a weekend.
    assert due_date(local(2026, 4, 29, 8, 0), 1) == end_of(datetime.date(2026, 5, 4))


def test_the_day_of_receipt_is_the_local_day_not_the_utc_day():
    # 18:00 UTC on Monday 16 March is 01:00 on Tuesday 17 March in Thái Nguyên.
    received = datetime.datetime(2026, 3, 16, 18, 0, tzinfo=datetime.UTC)
    assert due_date(received, 1) == end_of(datetime.date(2026, 3, 18))
    # 16:30 UTC is still 23:30 on Monday there.
    received = datetime.datetime(2026, 3, 16, 16, 30, tzinfo=datetime.UTC)
    assert due_date(received, 1) == end_of(datetime.date(2026, 3, 17))


def test_the_due_moment_is_the_last_second_of_the_local_day():
    due = due_date(local(2026, 3, 10, 23, 59, 59), 1)
    assert due.astimezone(HANOI).time() == datetime.time(23, 59, 59)
    assert due + datetime.timedelta(seconds=1) == local(2026, 3, 12, 0, 0)


def test_weekends_and_holidays_are_not_working_days():
    assert is_working_day(datetime.date(2026, 3, 16))  # Monday
    assert not is_working_day(datetime.date(2026, 3, 14))  # Saturday
    assert not is_working_day(datetime.date(2026, 3, 15))  # Sunday
    assert not is_working_day(datetime.date(2026, 2, 17))  # Tết, a Tuesday
    assert not is_working_day(datetime.date(2026, 9, 2))  # National Day, Wednesday
