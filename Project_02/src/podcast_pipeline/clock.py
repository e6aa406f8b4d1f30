"""The current time, in one place: the store's back-off and leases read it here.

Tests replace :func:`now` (``monkeypatch.setattr(clock, "now", ...)``) to run a
day-long outage in a second.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
