"""Fetch a feed over HTTP with timeouts, retries and a conditional GET."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

from podcast_pipeline.errors import FeedFetchError, InputError
from podcast_pipeline.models import FeedValidators, FetchResult
from podcast_pipeline.retry import (
    RETRYABLE_STATUS,
    TRANSIENT_ERRORS,
    RetryableError,
    RetryPolicy,
    call_with_retries,
    describe_error,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

USER_AGENT = "podcast-pipeline/0.1 (podcast feed reader)"
MAX_FEED_BYTES = 50 * 2**20
FEED_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=120.0, read_timeout=30.0)


def check_feed_url(url: str) -> str:
    """Return ``url`` if it is an http(s) URL with a host.

    Raises:
        InputError: Another scheme (``file://``, ``ftp://``) or no host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise InputError(f"feed URL cannot be parsed ({error}): {url!r}") from error
    if parts.scheme not in {"http", "https"} or not host:
        raise InputError(f"feed URL must be http(s)://host/...: {url!r}")
    return url


def _read_capped(response: requests.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise FeedFetchError(f"feed {url} is larger than {MAX_FEED_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


PERMANENT_REDIRECTS = frozenset({301, 308})


def permanent_move(response: requests.Response) -> tuple[str, str] | None:
    """Where the permanent redirects at the start of ``response.history`` led.

    A temporary redirect (302, 303, 307) ends the permanent part: the feed
    moved only as far as the last permanent hop before it.
    """
    moved: tuple[str, str] | None = None
    following = [*response.history, response][1:]
    for hop, after in zip(response.history, following, strict=True):
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        moved = (after.url, f"HTTP {hop.status_code} from {hop.url}")
    return moved


def fetch_feed(
    session: requests.Session,
    url: str,
    validators: FeedValidators,
    *,
    policy: RetryPolicy = FEED_RETRY,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """GET a feed, sending the stored validators so an unchanged feed costs a 304.

    Args:
        session: The HTTP session.
        url: The feed URL (http or https).
        validators: ETag / Last-Modified from the last stored fetch.
        policy: Timeouts, attempts and time budget.
        sleep: Waits between attempts (tests pass a recorder).

    Returns:
        The body and the new validators, or ``not_modified`` on 304; where
        permanent redirects moved the feed, if they did.

    Raises:
        InputError: The URL is not http(s).
        FeedFetchError: Unreachable, timed out, or an HTTP error after retries.
    """
    check_feed_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, */*;q=0.5"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified

    def attempt(_number: int) -> FetchResult:
        try:
            with session.get(
                url, headers=headers, timeout=policy.timeout, stream=True
            ) as response:
                if response.status_code in RETRYABLE_STATUS:
                    raise RetryableError(
                        f"HTTP {response.status_code}",
                        parse_retry_after(response.headers.get("Retry-After")),
                    )
                moved_to, because = permanent_move(response) or (None, None)
                if response.status_code == requests.codes.not_modified:
                    return FetchResult(url, True, b"", validators, 0, moved_to, because)
                if response.status_code != requests.codes.ok:
                    raise FeedFetchError(
                        f"feed {url} answered HTTP {response.status_code}"
                    )
                body = _read_capped(response, url)
                fresh = FeedValidators(
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
                return FetchResult(
                    url, False, body, fresh, len(body), moved_to, because
                )
        except TRANSIENT_ERRORS as error:
            raise RetryableError(describe_error(error)) from error
        except requests.RequestException as error:
            raise FeedFetchError(f"feed {url}: {describe_error(error)}") from error

    result = call_with_retries(
        attempt,
        policy,
        what=f"fetch of feed {url}",
        error_type=FeedFetchError,
        sleep=sleep,
    )
    logger.info(
        "Fetched %s: %s",
        url,
        "304 not modified" if result.not_modified else f"{result.bytes_received} bytes",
    )
    return result
