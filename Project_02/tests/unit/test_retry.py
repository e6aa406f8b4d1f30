"""Retries: bounded attempts and time, backoff with jitter, Retry-After honoured."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from podcast_pipeline.errors import DownloadError
from podcast_pipeline.retry import (
    RetryableError,
    RetryPolicy,
    backoff_delay,
    call_with_retries,
    parse_retry_after,
)


class FakeClock:
    """A clock that advances only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def flaky(failures: list[RetryableError]) -> tuple[list[int], Callable[[int], str]]:
    calls: list[int] = []

    def operation(attempt: int) -> str:
        calls.append(attempt)
        if failures:
            raise failures.pop(0)
        return "ok"

    return calls, operation


def test_succeeds_after_transient_failures_with_growing_delays() -> None:
    clock = FakeClock()
    calls, operation = flaky([RetryableError("503"), RetryableError("503")])
    policy = RetryPolicy(max_attempts=5, base_delay=1.0)

    result = call_with_retries(
        operation,
        policy,
        what="x",
        error_type=DownloadError,
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(1),  # noqa: S311
    )

    assert result == "ok"
    assert calls == [1, 2, 3]
    assert 0.5 <= clock.sleeps[0] <= 1.0
    assert 1.0 <= clock.sleeps[1] <= 2.0


def test_gives_up_after_max_attempts() -> None:
    clock = FakeClock()
    calls, operation = flaky([RetryableError("reset")] * 10)
    with pytest.raises(DownloadError, match="failed after 3 attempts: reset"):
        call_with_retries(
            operation,
            RetryPolicy(max_attempts=3),
            what="download of u",
            error_type=DownloadError,
            sleep=clock.sleep,
            clock=clock,
        )
    assert calls == [1, 2, 3]
    assert len(clock.sleeps) == 2


def test_retry_after_is_honoured_when_longer_than_backoff() -> None:
    clock = FakeClock()
    _, operation = flaky([RetryableError("HTTP 429", retry_after=7.0)])
    call_with_retries(
        operation,
        RetryPolicy(base_delay=0.1),
        what="x",
        error_type=DownloadError,
        sleep=clock.sleep,
        clock=clock,
    )
    assert clock.sleeps == [7.0]


def test_a_wait_beyond_the_time_budget_gives_up_at_once() -> None:
    clock = FakeClock()
    _, operation = flaky([RetryableError("HTTP 429", retry_after=3600.0)])
    with pytest.raises(DownloadError, match="exceed the 60 s budget"):
        call_with_retries(
            operation,
            RetryPolicy(max_total_seconds=60),
            what="x",
            error_type=DownloadError,
            sleep=clock.sleep,
            clock=clock,
        )
    assert not clock.sleeps


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def operation(attempt: int) -> None:
        calls.append(attempt)
        raise DownloadError("HTTP 404")

    with pytest.raises(DownloadError, match="404"):
        call_with_retries(operation, RetryPolicy(), what="x", error_type=DownloadError)
    assert calls == [1]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("Tue, 02 Jan 2024 10:00:30 GMT", 30.0),
        ("Tue, 02 Jan 2024 09:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    now = datetime(2024, 1, 2, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == expected


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rngs = [random.Random(seed) for seed in range(20)]  # noqa: S311
    delays = [backoff_delay(10, policy, rng) for rng in rngs]
    assert all(4.0 <= delay <= 8.0 for delay in delays)
    assert len(set(delays)) > 1


def test_waits_are_capped_per_call_and_longer_outages_left_to_later_runs() -> None:
    clock = FakeClock()
    calls, operation = flaky([RetryableError("HTTP 503", retry_after=20.0)] * 10)
    with pytest.raises(DownloadError, match="30 s of in-task waiting; a later run"):
        call_with_retries(
            operation,
            RetryPolicy(max_attempts=10, max_wait_seconds=30),
            what="x",
            error_type=DownloadError,
            sleep=clock.sleep,
            clock=clock,
        )
    assert clock.sleeps == [20.0]
    assert calls == [1, 2]
