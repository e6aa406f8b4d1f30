"""Typed records that flow between the pipeline steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Episode:  # pylint: disable=too-many-instance-attributes  # one per feed field
    """One feed item, parsed and cleaned, ready to be stored.

    Attributes:
        feed_url: The feed the item came from (part of the key).
        guid: The item's identifier within the feed (part of the key).
        title: Plain-text title.
        link: The episode's web page, if any.
        description: Plain-text description (HTML stripped).
        published_at: ISO 8601 UTC time (``2024-01-02T03:04:05Z``) or None.
        audio_url: The enclosure URL, or None when the item has no enclosure.
        audio_type: The enclosure's declared MIME type, if any.
        audio_declared_bytes: The enclosure's declared length, if any.
        duration: The ``itunes:duration`` text, if any.
        transcript_url: A transcript the publisher offers
            (``<podcast:transcript>``), if any.
        transcript_type: Its declared MIME type (``text/vtt``, ...), if any.
    """

    feed_url: str
    guid: str
    title: str
    link: str | None = None
    description: str = ""
    published_at: str | None = None
    audio_url: str | None = None
    audio_type: str | None = None
    audio_declared_bytes: int | None = None
    duration: str | None = None
    transcript_url: str | None = None
    transcript_type: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed document says: its episodes, and where it moved, if it did.

    Attributes:
        episodes: One per distinct guid, in feed order.
        new_feed_url: The ``<itunes:new-feed-url>`` the publisher announces.
    """

    episodes: list[Episode]
    new_feed_url: str | None = None


@dataclass(frozen=True)
class FeedValidators:
    """What a conditional GET sends back: the ETag and Last-Modified last seen."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one feed.

    Attributes:
        feed_url: The feed URL.
        not_modified: True when the server answered 304 (nothing to parse).
        body: The raw feed bytes (empty when not modified).
        validators: The validators to store once the body has been stored.
        bytes_received: Bytes of body transferred.
        moved_to: Where permanent redirects (301, 308) from ``feed_url`` led,
            if they did: the feed's new address.
        moved_because: The redirect that moved it (``HTTP 301 from ...``).
    """

    feed_url: str
    not_modified: bool
    body: bytes
    validators: FeedValidators
    bytes_received: int
    moved_to: str | None = None
    moved_because: str | None = None


@dataclass(frozen=True)
class DownloadedFile:
    """A completed download.

    Attributes:
        path: The final file (renamed into place).
        size: Its size in bytes.
        sha256: Hex SHA-256 of its content.
        attempts: HTTP attempts it took.
        bytes_transferred: Body bytes received, resumed attempts included.
    """

    path: Path
    size: int
    sha256: str
    attempts: int = 1
    bytes_transferred: int = 0


@dataclass(frozen=True)
class RetrySchedule:
    """When an episode that failed for a transient reason is tried again.

    This is the outer layer of the retry policy (README, "Retry policy"): what
    later runs retry. Attempt ``n`` failing waits ``first_delay * 2 ** (n - 1)``
    seconds (at most ``max_delay``) before the episode is due again. It is given
    up (status ``gave-up``, visible, never silent; ``podcast-pipeline requeue``
    puts it back) only after ``max_attempts`` failed attempts *and*
    ``give_up_after`` of failing without a success, so an outage shorter than
    that never gives an episode up, however often runs come. One run counts one
    attempt, whatever its Airflow retries.
    """

    max_attempts: int = 6
    first_delay: timedelta = timedelta(minutes=15)
    max_delay: timedelta = timedelta(days=1)
    give_up_after: timedelta = timedelta(days=3)

    def next_attempt(
        self, attempts: int, now: datetime, failing_since: datetime | None = None
    ) -> datetime | None:
        """When to try again after ``attempts`` failed attempts; None: give up.

        Args:
            attempts: Failed attempts so far (runs, not tries).
            now: The time of the failure.
            failing_since: The first failure since the last success (default:
                ``now``).
        """
        failing_for = now - (failing_since or now)
        if attempts >= self.max_attempts and failing_for >= self.give_up_after:
            return None
        delay: timedelta = min(
            self.max_delay, self.first_delay * 2 ** max(0, attempts - 1)
        )
        return now + delay


@dataclass(frozen=True)
class ClaimedEpisode:  # pylint: disable=too-many-instance-attributes  # one per column
    """An episode claimed by one worker for one step (download or transcription).

    Only the claim's ``owner`` may record the step's result; the claim lapses at
    its lease expiry, so a crashed worker's episodes are picked up later.
    JSON-friendly (:meth:`to_dict`), for Airflow's XCom.
    """

    episode_id: int
    owner: str
    feed_url: str
    guid: str
    title: str
    audio_url: str | None
    published_at: str | None
    declared_bytes: int | None
    file_path: str | None
    download_attempts: int
    transcript_attempts: int
    transcript_url: str | None = None
    transcript_type: str | None = None
    download_attempt_owner: str | None = None
    download_failing_since: str | None = None
    transcript_attempt_owner: str | None = None
    transcript_failing_since: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ClaimedEpisode:
        """Rebuild a claim from :meth:`to_dict` output."""
        return cls(**values)
