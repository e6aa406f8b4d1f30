"""Claims: an episode is taken by one worker before a step, results only by it.

A claim is ``claim_owner`` plus a lease (``claim_expires_at``), set atomically:
PostgreSQL selects with ``FOR UPDATE SKIP LOCKED`` (concurrent claimers skip
each other's rows), SQLite runs the select-and-update in one ``BEGIN IMMEDIATE``
transaction. A result is written with ``WHERE claim_owner = <owner>``: a worker
whose lease lapsed and whose episode was claimed again writes nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from podcast_pipeline import clock
from podcast_pipeline.errors import DatabaseError
from podcast_pipeline.models import ClaimedEpisode, DownloadedFile, RetrySchedule
from podcast_pipeline.store.engine import reason
from podcast_pipeline.store.episodes import utc_text
from podcast_pipeline.store.schema import episodes

logger = logging.getLogger(__name__)

DOWNLOAD_STATUSES_DUE = ("pending", "failed")


def new_owner() -> str:
    """A claim owner naming this host and process, unique per call."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _free(now: str) -> ColumnElement[bool]:
    return or_(episodes.c.claim_owner.is_(None), episodes.c.claim_expires_at <= now)


def _download_due(now: str) -> ColumnElement[bool]:
    return and_(
        episodes.c.audio_url.is_not(None),
        episodes.c.download_status.in_(DOWNLOAD_STATUSES_DUE),
        or_(episodes.c.next_attempt_at.is_(None), episodes.c.next_attempt_at <= now),
        _free(now),
    )


def _transcription_due(now: str) -> ColumnElement[bool]:
    retry_due = and_(
        episodes.c.transcript_next_attempt_at.is_not(None),
        episodes.c.transcript_next_attempt_at <= now,
    )
    return and_(
        episodes.c.download_status == "downloaded",
        episodes.c.transcript.is_(None),
        or_(episodes.c.transcript_error.is_(None), retry_due),
        _free(now),
    )


def _claimed(row: Any, owner: str) -> ClaimedEpisode:
    return ClaimedEpisode(
        episode_id=row.id,
        owner=owner,
        feed_url=row.feed_url,
        guid=row.guid,
        title=row.title,
        audio_url=row.audio_url,
        published_at=row.published_at,
        declared_bytes=row.audio_declared_bytes,
        file_path=row.file_path,
        download_attempts=row.download_attempts,
        transcript_attempts=row.transcript_attempts,
        transcript_url=row.transcript_url,
        transcript_type=row.transcript_type,
        download_attempt_owner=row.download_attempt_owner,
        download_failing_since=row.download_failing_since,
        transcript_attempt_owner=row.transcript_attempt_owner,
        transcript_failing_since=row.transcript_failing_since,
    )


def _take(
    connection: Connection, ids: Sequence[int], owner: str, expires: str
) -> list[ClaimedEpisode]:
    if not ids:
        return []
    connection.execute(
        update(episodes)
        .where(episodes.c.id.in_(ids))
        .values(claim_owner=owner, claim_expires_at=expires)
    )
    rows = {
        row.id: row
        for row in connection.execute(select(episodes).where(episodes.c.id.in_(ids)))
    }
    return [_claimed(rows[episode_id], owner) for episode_id in ids]


def _claim_in(
    connection: Connection,
    due: ColumnElement[bool],
    owner: str,
    limit: int | None,
    expires: str,
) -> list[ClaimedEpisode]:
    """Claim up to ``limit`` due episodes: newest first per feed, feeds in turn."""
    if limit == 0:
        return []
    feed_rank = (
        func.row_number()
        .over(
            partition_by=episodes.c.feed_url,
            order_by=(
                episodes.c.published_at.desc().nulls_last(),
                episodes.c.id.desc(),
            ),
        )
        .label("feed_rank")
    )
    ranked = select(episodes.c.id, episodes.c.published_at, feed_rank).where(due)
    ranked_rows = ranked.subquery()
    # The outer query re-checks `due` on the locked row (PostgreSQL re-evaluates
    # it on the newest version) and skips rows another claimer holds.
    query = (
        select(episodes.c.id)
        .join(ranked_rows, ranked_rows.c.id == episodes.c.id)
        .where(due)
        .order_by(
            ranked_rows.c.feed_rank,
            ranked_rows.c.published_at.desc().nulls_last(),
            ranked_rows.c.id.desc(),
        )
        .limit(limit)
        .with_for_update(skip_locked=True, of=episodes)
    )
    ids = list(connection.scalars(query))
    return _take(connection, ids, owner, expires)


def _claim(
    engine: Engine,
    due: ColumnElement[bool],
    owner: str,
    limit: int | None,
    lease: timedelta,
) -> list[ClaimedEpisode]:
    expires = utc_text(clock.now() + lease)
    try:
        with engine.begin() as connection:
            return _claim_in(connection, due, owner, limit, expires)
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot claim episodes: {reason(error)}") from error


@dataclass(frozen=True)
class RunClaims:
    """What one run (one claim owner) holds: downloads and transcriptions due."""

    downloads: list[ClaimedEpisode]
    transcriptions: list[ClaimedEpisode]


def claim_for_run(
    engine: Engine,
    owner: str,
    *,
    limit: int,
    lease: timedelta,
    transcriptions: bool = True,
) -> RunClaims:
    """Claim a run's work in one transaction, or give back what it already holds.

    Idempotent per owner: when ``owner`` already holds claims (a retried select
    task whose first try committed), those are renewed and returned, and nothing
    more is claimed. Otherwise up to ``limit`` downloads are claimed and, with
    ``transcriptions``, up to ``limit`` downloaded episodes still to transcribe
    (the backlog earlier runs left, with its back-off respected).

    Args:
        engine: The store.
        owner: The run's claim owner.
        limit: Most episodes per step.
        lease: How long each claim lasts before a task renews it: the work of
            one task, not of the run.
        transcriptions: Whether to claim transcriptions too.
    """
    now = clock.now()
    expires = utc_text(now + lease)
    try:
        with engine.begin() as connection:
            held = list(
                connection.scalars(
                    select(episodes.c.id)
                    .where(episodes.c.claim_owner == owner)
                    .order_by(episodes.c.id)
                    .with_for_update()
                )
            )
            if held:
                claims = _take(connection, held, owner, expires)
                downloaded = set(
                    connection.scalars(
                        select(episodes.c.id).where(
                            episodes.c.id.in_(held),
                            episodes.c.download_status == "downloaded",
                        )
                    )
                )
                logger.info("%s already holds %d claim(s): renewed", owner, len(held))
                return RunClaims(
                    [c for c in claims if c.episode_id not in downloaded],
                    [c for c in claims if c.episode_id in downloaded],
                )
            text_now = utc_text(now)
            downloads = _claim_in(
                connection, _download_due(text_now), owner, limit, expires
            )
            backlog = (
                _claim_in(
                    connection, _transcription_due(text_now), owner, limit, expires
                )
                if transcriptions
                else []
            )
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot claim episodes: {reason(error)}") from error
    return RunClaims(downloads, backlog)


def claim_downloads(
    engine: Engine, owner: str, limit: int, lease: timedelta
) -> list[ClaimedEpisode]:
    """Claim up to ``limit`` episodes whose audio is due for download.

    Due: pending, or failed with its back-off over; not claimed by anyone else
    (or their lease lapsed). Order: newest first within each feed, round-robin
    across feeds, so one feed never starves the others.
    """
    now = utc_text(clock.now())
    return _claim(engine, _download_due(now), owner, limit, lease)


def claim_transcriptions(
    engine: Engine, owner: str, limit: int | None, lease: timedelta
) -> list[ClaimedEpisode]:
    """Claim downloaded episodes without transcript (or whose retry is due)."""
    now = utc_text(clock.now())
    return _claim(engine, _transcription_due(now), owner, limit, lease)


def renew_claim(
    engine: Engine, claim: ClaimedEpisode, lease: timedelta
) -> ClaimedEpisode | None:
    """Extend (or take back) the claim on one episode for ``claim.owner``.

    Succeeds when the episode is still claimed by the owner, or free; a retried
    task uses it to make sure it still holds the episode before working on it.

    Returns:
        The refreshed claim, or None when another owner holds the episode.
    """
    now = clock.now()
    mine_or_free = or_(episodes.c.claim_owner == claim.owner, _free(utc_text(now)))
    try:
        with engine.begin() as connection:
            locked = connection.scalar(
                select(episodes.c.id)
                .where(episodes.c.id == claim.episode_id, mine_or_free)
                .with_for_update()
            )
            if locked is None:
                return None
            [renewed] = _take(
                connection, [claim.episode_id], claim.owner, utc_text(now + lease)
            )
            return renewed
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot renew claim: {reason(error)}") from error


def episode_progress(engine: Engine, episode_id: int) -> tuple[str, str | None, bool]:
    """An episode's download status, file path and whether it has a transcript.

    A retried task reads it first: what a previous try recorded is not done again.
    """
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(
                    episodes.c.download_status,
                    episodes.c.file_path,
                    episodes.c.transcript.is_not(None).label("transcribed"),
                ).where(episodes.c.id == episode_id)
            ).one()
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot read episode {episode_id}: {reason(error)}"
        ) from error
    return str(row.download_status), row.file_path, bool(row.transcribed)


def release_claims(engine: Engine, claims: Iterable[ClaimedEpisode]) -> int:
    """Give claims back without a result (a run stopped early); returns how many."""
    released = 0
    try:
        with engine.begin() as connection:
            for claim in claims:
                released += connection.execute(
                    update(episodes)
                    .where(
                        episodes.c.id == claim.episode_id,
                        episodes.c.claim_owner == claim.owner,
                    )
                    .values(claim_owner=None, claim_expires_at=None)
                ).rowcount
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot release claims: {reason(error)}") from error
    return released


def _write_result(
    engine: Engine, claim: ClaimedEpisode, values: dict[str, Any]
) -> bool:
    statement = (
        update(episodes)
        .where(episodes.c.id == claim.episode_id, episodes.c.claim_owner == claim.owner)
        .values(**values, claim_owner=None, claim_expires_at=None)
    )
    try:
        with engine.begin() as connection:
            written = connection.execute(statement).rowcount == 1
    except SQLAlchemyError as error:
        raise DatabaseError(
            f"cannot record the result of episode {claim.episode_id}: {reason(error)}"
        ) from error
    if not written:
        logger.warning(
            "Episode %d: claim of %s lapsed and was taken over; result not recorded",
            claim.episode_id,
            claim.owner,
        )
    return written


def _attempts(recorded: int, last_owner: str | None, claim: ClaimedEpisode) -> int:
    """Attempts after this one: a retry within the same run does not count again."""
    return recorded if last_owner == claim.owner and recorded > 0 else recorded + 1


def _since(stored: str | None, now: datetime) -> datetime:
    """The first failure since the last success: ``stored``, else now."""
    if stored is None:
        return now
    return datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def record_download(  # pylint: disable=too-many-arguments  # keyword-only outcome
    engine: Engine,
    claim: ClaimedEpisode,
    downloaded: DownloadedFile | None,
    *,
    error: str | None = None,
    permanent: bool = False,
    schedule: RetrySchedule | None = None,
) -> str | None:
    """Record a download's outcome, only if ``claim`` still holds the episode.

    Args:
        engine: The store.
        claim: The claim the download ran under.
        downloaded: The completed file, or None on failure.
        error: What went wrong (failures).
        permanent: The failure will not go away (404/410, refused URL, too large,
            not audio): status ``refused``, never retried.
        schedule: Back-off for transient failures (default RetrySchedule()).

    Returns:
        The status recorded, or None when the claim had lapsed (nothing written).
    """
    attempts = _attempts(claim.download_attempts, claim.download_attempt_owner, claim)
    now = clock.now()
    failing_since = _since(claim.download_failing_since, now)
    values: dict[str, Any] = {
        "download_attempts": attempts,
        "download_error": error,
        "download_attempt_owner": claim.owner,
        "download_failing_since": None if downloaded else utc_text(failing_since),
    }
    if downloaded is not None:
        values |= {
            "download_status": "downloaded",
            "file_path": str(downloaded.path),
            "file_bytes": downloaded.size,
            "sha256": downloaded.sha256,
            "downloaded_at": utc_text(now),
            "next_attempt_at": None,
        }
    elif permanent:
        values |= {"download_status": "refused", "next_attempt_at": None}
    else:
        retry_at = (schedule or RetrySchedule()).next_attempt(
            attempts, now, failing_since
        )
        values |= {
            "download_status": "failed" if retry_at else "gave-up",
            "next_attempt_at": utc_text(retry_at) if retry_at else None,
        }
    return values["download_status"] if _write_result(engine, claim, values) else None


def record_transcript(  # pylint: disable=too-many-arguments  # keyword-only outcome
    engine: Engine,
    claim: ClaimedEpisode,
    *,
    text: str | None,
    engine_name: str,
    source: str | None = None,
    error: str | None = None,
    permanent: bool = False,
    schedule: RetrySchedule | None = None,
) -> str | None:
    """Record a transcription's outcome, only if ``claim`` still holds the episode.

    ``source``: where ``text`` came from when it is not our speech-to-text
    (the publisher's transcript URL).

    Returns:
        ``transcribed``, ``failed`` (retried later), ``refused`` (permanent) or
        ``gave-up``; None when the claim had lapsed (nothing written).
    """
    attempts = _attempts(
        claim.transcript_attempts, claim.transcript_attempt_owner, claim
    )
    now = clock.now()
    failing_since = _since(claim.transcript_failing_since, now)
    values: dict[str, Any] = {
        "transcript_attempts": attempts,
        "transcript_attempt_owner": claim.owner,
        "transcript_failing_since": None
        if text is not None
        else utc_text(failing_since),
    }
    if text is not None:
        values |= {
            "transcript": text,
            "transcript_engine": engine_name,
            "transcript_source": source,
            "transcribed_at": utc_text(now),
            "transcript_error": None,
            "transcript_next_attempt_at": None,
        }
        status = "transcribed"
    else:
        retry_at = (
            None
            if permanent
            else (schedule or RetrySchedule()).next_attempt(
                attempts, now, failing_since
            )
        )
        values |= {
            "transcript_error": error,
            "transcript_next_attempt_at": utc_text(retry_at) if retry_at else None,
        }
        status = "refused" if permanent else ("failed" if retry_at else "gave-up")
    return status if _write_result(engine, claim, values) else None
