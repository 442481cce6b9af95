"""Days a business is closed: its country's public holidays (the `holidays` package) and its own days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


class DaysOff:
    """The local dates with no business hours: the public holidays of a country, plus the business's own."""

    def __init__(
        self, own: Iterable[date] = (), *, country: str | None = None, subdivision: str | None = None
    ) -> None:
        self.own = frozenset(own)
        self.country = country
        self.subdivision = subdivision
        if country:
            try:
                public_holidays(country, subdivision, 2000)
            except NotImplementedError as problem:
                raise ValueError(
                    f"no public holidays are known for country {country!r}"
                    + (f", subdivision {subdivision!r}" if subdivision else "")
                    + ": use an ISO 3166-1 alpha-2 code such as US, GB or DE"
                ) from problem
        elif subdivision:
            raise ValueError(f"subdivision {subdivision!r} needs a country")

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.own:
            return True
        return bool(self.country) and day in public_holidays(self.country or "", self.subdivision, day.year)


@lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """Return a country's public holidays of one year, by date (observed days included)."""
    # Cached per process: the package takes tens of milliseconds to work out a year, and every dashboard
    # request builds its store's calendar anew. The dict is never changed after it is built.
    found = holidays.country_holidays(country.upper(), subdiv=subdivision, years=year)
    return {day: str(name) for day, name in found.items()}
