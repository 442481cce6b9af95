"""The business calendar and its SLA arithmetic: one copy, so tiles, rules and cases agree to the microsecond.

A calendar is a timezone, working hours per ISO weekday (several intervals a day allowed), days off (a
country's public holidays from the `holidays` package, plus the business's own days) and promotion or peak
periods. The conventions, everywhere:

- **Open** at instant t when the local wall clock at t reads a time inside one of that local date's intervals
  [opens, closes) and the date is not a day off: open at the opening instant, closed at the closing one.
  Closing at 00:00 means midnight at the end of the day. Where clocks go forward, the skipped hour is not
  worked; where they go back, a repeated wall-clock hour inside the hours is worked twice.
- **Business time** between two instants is the measure of the open instants in [start, end), in exact
  integer microseconds (0 if end <= start). An SLA of N minutes is N x 60,000,000 microseconds, rounded to
  the nearest: no float timestamps, no rounding of the instants.
- A record has **breached** an SLA of N minutes at t when strictly more than N minutes of business time lie
  in [started, t). `breach_cutoff(t, N)` is the instant c with "breached" exactly `started < c`, so the
  database counts breaches; `deadline(started, N)` is the first instant by which N minutes have passed.
- A calendar with **no working hours at all** never opens: its SLA clocks never run, nothing breaches
  (`breach_cutoff` returns NEVER, `deadline` and `next_opening` None). A manager who closes the desk expects
  the clock to stop, not every ticket to turn red. (A store that never said when it works is another
  matter: its loader gives it every hour of every day, so its SLAs run on wall-clock time.)
- Questions reach at most ten years away: a deadline further off is "never", and business time elapsed
  counts only the ten years before its end.
"""

from hotdash.kernel.calendar.business import BusinessCalendar, Period
from hotdash.kernel.calendar.days_off import DaysOff, public_holidays
from hotdash.kernel.calendar.hours import ALL_DAY, ALWAYS, WeeklyHours
from hotdash.kernel.calendar.instants import (
    DAY,
    MICROS,
    MINUTE,
    MISSING,
    NEVER,
    from_micros,
    limit_micros,
    limits_micros,
    micros,
    to_micros,
)

__all__ = [
    "ALL_DAY",
    "ALWAYS",
    "DAY",
    "MICROS",
    "MINUTE",
    "MISSING",
    "NEVER",
    "BusinessCalendar",
    "DaysOff",
    "Period",
    "WeeklyHours",
    "from_micros",
    "limit_micros",
    "limits_micros",
    "micros",
    "public_holidays",
    "to_micros",
]
