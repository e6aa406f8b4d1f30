"""The feed steps: fetch each feed (conditional GET), then store its episodes.

Each step takes plain, serialisable arguments besides the store's engine, so an
Airflow task can call it with values from XCom and Params.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine

from podcast_pipeline.errors import FeedFetchError, FeedParseError, PodcastPipelineError
from podcast_pipeline.feeds import check_feed_url, fetch_feed
from podcast_pipeline.models import FeedValidators
from podcast_pipeline.paths import feed_directory_name
from podcast_pipeline.rss import parse_feed
from podcast_pipeline.store import (
    FeedMove,
    current_feed_url,
    get_validators,
    mark_feed_unchanged,
    store_feed,
)

logger = logging.getLogger(__name__)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that a reader sees the old bytes or the new, never a part.

    Runs that overlap fetch the same feed into the same file: a plain write lets one
    run parse the body another run is halfway through writing.
    """
    descriptor, part_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as part:
            part.write(data)
            part.flush()
            os.fsync(part.fileno())
        Path(part_name).replace(path)
    except BaseException:
        Path(part_name).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class FeedSnapshot:  # pylint: disable=too-many-instance-attributes  # XCom record
    """A fetched feed, saved to disk for the store step (XCom-friendly).

    ``feed_url`` is the feed's identity (as configured); ``read_from`` the URL
    fetched (where it moved, if it did); ``moved_to`` / ``moved_because`` a
    permanent redirect this fetch followed.
    """

    feed_url: str
    not_modified: bool
    body_path: str | None
    etag: str | None
    last_modified: str | None
    bytes_received: int
    read_from: str | None = None
    moved_to: str | None = None
    moved_because: str | None = None

    def move(self, new_feed_url: str | None = None) -> FeedMove | None:
        """Where the feed is read from now on, if this fetch or its body moved it.

        Args:
            new_feed_url: The ``<itunes:new-feed-url>`` of the body, if any.
        """
        read_at = self.moved_to or self.read_from or self.feed_url
        if new_feed_url and new_feed_url != read_at:
            return FeedMove(new_feed_url, "itunes:new-feed-url")
        if self.moved_to and self.moved_to != (self.read_from or self.feed_url):
            return FeedMove(self.moved_to, self.moved_because or "redirect")
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (for XCom)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> FeedSnapshot:
        """Rebuild a snapshot from :meth:`to_dict` output."""
        return cls(**values)


@dataclass(frozen=True)
class FeedReport:
    """Per-feed results of a fetch or store step, and the feeds that failed."""

    done: tuple[str, ...]
    failures: tuple[tuple[str, str], ...]
    new_episodes: int = 0
    bytes_received: int = 0
    unchanged: int = 0


def _raise_if_all_failed(
    failures: Sequence[tuple[str, str]],
    total: int,
    error_type: type[PodcastPipelineError],
) -> None:
    if failures and len(failures) == total:
        more = f" (and {total - 1} more feeds)" if total > 1 else ""
        raise error_type(f"{failures[0][1]}{more}")
    for url, message in failures:
        logger.error("Feed %s failed: %s", url, message)


def fetch_feeds(
    engine: Engine,
    feed_urls: Sequence[str],
    feeds_dir: Path,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[FeedSnapshot], FeedReport]:
    """Fetch each feed with a conditional GET and save changed bodies to ``feeds_dir``.

    Args:
        engine: The store, holding each feed's ETag / Last-Modified.
        feed_urls: The feeds (http or https).
        feeds_dir: Where bodies are written for :func:`store_feeds`.
        sleep: Waits between attempts.

    Returns:
        The snapshots of the feeds fetched, and a report with the failures.

    Raises:
        InputError: A feed URL is not http(s).
        FeedFetchError: Every feed failed (one failing feed only is logged).
    """
    for url in feed_urls:
        check_feed_url(url)
    stored = {url: get_validators(engine, url) for url in feed_urls}
    read_from = {url: current_feed_url(engine, url) for url in feed_urls}
    feeds_dir.mkdir(parents=True, exist_ok=True)
    snapshots: list[FeedSnapshot] = []
    failures: list[tuple[str, str]] = []
    with requests.Session() as session:
        for url in feed_urls:
            try:
                result = fetch_feed(session, read_from[url], stored[url], sleep=sleep)
            except FeedFetchError as error:
                failures.append((url, str(error)))
                continue
            body_path = None
            if not result.not_modified:
                body_file = feeds_dir / f"{feed_directory_name(url)}.xml"
                write_atomically(body_file, result.body)
                body_path = str(body_file)
            snapshots.append(
                FeedSnapshot(
                    url,
                    result.not_modified,
                    body_path,
                    result.validators.etag,
                    result.validators.last_modified,
                    result.bytes_received,
                    read_from[url],
                    result.moved_to,
                    result.moved_because,
                )
            )
    _raise_if_all_failed(failures, len(feed_urls), FeedFetchError)
    report = FeedReport(
        done=tuple(snapshot.feed_url for snapshot in snapshots),
        failures=tuple(failures),
        bytes_received=sum(snapshot.bytes_received for snapshot in snapshots),
        unchanged=sum(snapshot.not_modified for snapshot in snapshots),
    )
    return snapshots, report


def _log_move(feed_url: str, move: FeedMove | None) -> None:
    if move is not None:
        logger.warning(
            "Feed %s moved to %s (%s): read there from now on",
            feed_url,
            move.to_url,
            move.because,
        )


def store_feeds(engine: Engine, snapshots: Sequence[FeedSnapshot]) -> FeedReport:
    """Parse the fetched bodies and upsert their episodes, one transaction per feed.

    A feed that fails to parse changes nothing in the database (not even its
    validators, so it is fetched in full next time).

    Raises:
        FeedParseError: Every changed feed was refused.
    """
    failures: list[tuple[str, str]] = []
    done: list[str] = []
    new_episodes = 0
    for snapshot in snapshots:
        if snapshot.not_modified or snapshot.body_path is None:
            move = snapshot.move()
            _log_move(snapshot.feed_url, move)
            mark_feed_unchanged(engine, snapshot.feed_url, move)
            done.append(snapshot.feed_url)
            continue
        try:
            parsed = parse_feed(
                Path(snapshot.body_path).read_bytes(),
                snapshot.feed_url,
                base_url=snapshot.moved_to or snapshot.read_from,
            )
        except (FeedParseError, OSError) as error:
            failures.append((snapshot.feed_url, str(error)))
            continue
        validators = FeedValidators(snapshot.etag, snapshot.last_modified)
        move = snapshot.move(parsed.new_feed_url)
        if move is not None and move.to_url == parsed.new_feed_url:
            validators = FeedValidators()  # they were the old URL's, not the new's
        _log_move(snapshot.feed_url, move)
        result = store_feed(
            engine, snapshot.feed_url, parsed.episodes, validators, move
        )
        new_episodes += result.new
        done.append(snapshot.feed_url)
    _raise_if_all_failed(failures, len(snapshots), FeedParseError)
    return FeedReport(
        done=tuple(done), failures=tuple(failures), new_episodes=new_episodes
    )
