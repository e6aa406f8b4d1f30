"""In-task retries on tenacity: backoff with jitter, ``Retry-After``, bounded waits.

We keep the policy (``RetryPolicy``) and the stop rule here; the loop is tenacity's.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import requests
import tenacity

from podcast_pipeline.errors import PodcastPipelineError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# 408 Request Timeout, 425 Too Early, 429 Too Many Requests and the transient 5xx.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# Dropped connections, resets, timeouts, bodies cut short: worth another attempt.
TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def describe_error(error: Exception) -> str:
    """One readable line for a requests/urllib3 error (its text nests causes)."""
    text = str(error)
    for marker in (
        "Failed to resolve",
        "Connection refused",
        "Read timed out",
        "Connection broken",
        "Connection reset",
        "IncompleteRead",
    ):
        if marker in text:
            return f"{type(error).__name__}: {marker.lower()}"
    return f"{type(error).__name__}: {text[:200]}"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one HTTP transfer before giving up.

    Attributes:
        max_attempts: Attempts in all, the first included.
        max_total_seconds: Wall-time budget for all attempts and waits.
        base_delay: First backoff delay in seconds (doubled per attempt).
        max_delay: Cap on one backoff delay (not on an honoured Retry-After).
        max_wait_seconds: Cap on all the waits of one call: a task never
            sleeps longer than this holding its worker and pool slot.
        connect_timeout: Seconds to wait for a connection.
        read_timeout: Seconds to wait for the next bytes of a response.
    """

    max_attempts: int = 5
    max_total_seconds: float = 600.0
    base_delay: float = 1.0
    max_delay: float = 8.0
    max_wait_seconds: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    @property
    def timeout(self) -> tuple[float, float]:
        """The ``(connect, read)`` timeout pair for requests."""
        return (self.connect_timeout, self.read_timeout)


class RetryableError(Exception):
    """A transient failure of one attempt (raised inside :func:`call_with_retries`)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        """Record the failure.

        Args:
            reason: What went wrong, for the log and the final error.
            retry_after: Seconds the server asked us to wait, if it did.
        """
        super().__init__(reason)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    Args:
        value: The header value, or None.
        now: The current time (tests pass a fixed one).

    Returns:
        Non-negative seconds, or None when absent or unparsable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Delay after failed attempt ``attempt`` (1-based): half fixed, half jitter."""
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class _Budget:  # pylint: disable=too-few-public-methods  # a tenacity stop callable
    """tenacity's stop condition: attempts, the time budget, the waiting cap.

    It runs after tenacity has computed the next wait (``upcoming_sleep``), so
    a wait that would overrun is refused before it starts; the reason is kept
    for the final error.
    """

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.reason = ""

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        delay = state.upcoming_sleep
        if state.attempt_number >= self.policy.max_attempts:
            self.reason = f"after {state.attempt_number} attempts"
        elif self.clock() - self.started + delay > self.policy.max_total_seconds:
            self.reason = (
                f"waiting {delay:.0f} s more would exceed "
                f"the {self.policy.max_total_seconds:.0f} s budget"
            )
        elif state.idle_for + delay > self.policy.max_wait_seconds:
            self.reason = (
                f"waiting {delay:.0f} s more would exceed the "
                f"{self.policy.max_wait_seconds:.0f} s of in-task waiting; "
                "a later run retries"
            )
        else:
            return False
        return True


def _wait(
    policy: RetryPolicy, jitter: random.Random, state: tenacity.RetryCallState
) -> float:
    """The next wait: the jittered backoff, or the server's Retry-After if longer."""
    delay = backoff_delay(state.attempt_number, policy, jitter)
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RetryableError) and error.retry_after is not None:
        delay = max(delay, error.retry_after)
    return delay


def _log_retry(what: str, state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logger.warning(
        "%s: attempt %d failed (%s); retrying in %.1f s",
        what,
        state.attempt_number,
        error,
        state.upcoming_sleep,
    )


def call_with_retries(  # pylint: disable=too-many-arguments  # keyword-only hooks
    operation: Callable[[int], T],
    policy: RetryPolicy,
    *,
    what: str,
    error_type: type[PodcastPipelineError],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> T:
    """Call ``operation(attempt)`` until it succeeds, retrying RetryableError only.

    The in-task layer of the retry policy (README, "Retry policy"), on
    tenacity: waits the larger of the jittered backoff and the server's
    Retry-After, and stops after ``max_attempts``, when the next wait would
    exceed the time budget, or when the waits of this call would add up to
    more than ``max_wait_seconds`` (longer outages are left to later runs and
    the store's back-off, not slept through holding a worker). Other
    exceptions propagate at once.

    Args:
        operation: One attempt; raises RetryableError on a transient failure.
        policy: Attempts, delays and time budget.
        what: What is being tried, for messages ("download of https://...").
        error_type: The exception raised when giving up.
        sleep: Waits (tests pass a recorder).
        clock: Monotonic seconds (tests pass a fake).
        rng: Jitter source.

    Returns:
        What the successful attempt returned.

    Raises:
        PodcastPipelineError: Of ``error_type``, after the last failed attempt.
    """
    jitter = rng or random.Random()  # noqa: S311  (jitter, not cryptography)
    budget = _Budget(policy, clock)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetryableError),
        wait=functools.partial(_wait, policy, jitter),
        stop=budget,
        sleep=sleep,
        before_sleep=functools.partial(_log_retry, what),
    )
    try:
        for attempt in retrying:
            with attempt:
                result = operation(attempt.retry_state.attempt_number)
    except tenacity.RetryError as gave_up:
        error = gave_up.last_attempt.exception()
        if budget.reason.startswith("after"):
            message = f"{what} failed {budget.reason}: {error}"
        else:
            message = f"{what} failed: {error}; {budget.reason}"
        raise error_type(message) from error
    return result
