"""Put given-up or refused episodes back in the queue (``podcast-pipeline requeue``)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, and_, or_, true, update
from sqlalchemy.exc import SQLAlchemyError

from podcast_pipeline.errors import DatabaseError, InputError
from podcast_pipeline.store.engine import reason
from podcast_pipeline.store.schema import episodes

logger = logging.getLogger(__name__)

#: Statuses a requeue may reset; ``failed`` is already due after its back-off,
#: requeueing it makes it due at once and forgets its attempts.
REQUEUE_STATUSES = ("gave-up", "refused", "failed")
DEFAULT_STATUSES = ("gave-up", "refused")


@dataclass(frozen=True)
class RequeueResult:
    """How many episodes are due again, per step."""

    downloads: int
    transcriptions: int

    def summary(self) -> str:
        """The command's one line."""
        return (
            f"requeued {self.downloads} download(s) and "
            f"{self.transcriptions} transcription(s)"
        )


def _selected(
    feeds: Collection[str], episode_ids: Collection[int]
) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    if feeds:
        condition = and_(condition, episodes.c.feed_url.in_(list(feeds)))
    if episode_ids:
        condition = and_(condition, episodes.c.id.in_(list(episode_ids)))
    return condition


def requeue(
    engine: Engine,
    *,
    feeds: Collection[str] = (),
    statuses: Collection[str] = DEFAULT_STATUSES,
    episode_ids: Collection[int] = (),
) -> RequeueResult:
    """Make the matching episodes due again, their attempts and errors forgotten.

    Downloads in one of ``statuses`` become ``pending``. A transcription that
    was given up or refused (an error and no next attempt) is due again when
    ``statuses`` holds ``gave-up`` or ``refused``; with ``failed``, one waiting
    out its back-off is due at once too. Claims are not touched: an episode
    being worked on is not in these states.

    Raises:
        InputError: An unknown status.
        DatabaseError: The update failed (nothing changed).
    """
    unknown = sorted(set(statuses) - set(REQUEUE_STATUSES))
    if unknown or not statuses:
        raise InputError(
            f"cannot requeue status {', '.join(unknown) or '(none)'}: "
            f"choose from {', '.join(REQUEUE_STATUSES)}"
        )
    chosen = _selected(feeds, episode_ids)
    transcript_states = []
    if {"gave-up", "refused"} & set(statuses):
        transcript_states.append(episodes.c.transcript_next_attempt_at.is_(None))
    if "failed" in statuses:
        transcript_states.append(episodes.c.transcript_next_attempt_at.is_not(None))
    downloads = (
        update(episodes)
        .where(chosen, episodes.c.download_status.in_(list(statuses)))
        .values(
            download_status="pending",
            download_attempts=0,
            download_error=None,
            next_attempt_at=None,
            download_attempt_owner=None,
            download_failing_since=None,
        )
    )
    transcriptions = (
        update(episodes)
        .where(
            chosen,
            episodes.c.download_status == "downloaded",
            episodes.c.transcript.is_(None),
            episodes.c.transcript_error.is_not(None),
            or_(*transcript_states),
        )
        .values(
            transcript_error=None,
            transcript_attempts=0,
            transcript_next_attempt_at=None,
            transcript_attempt_owner=None,
            transcript_failing_since=None,
        )
    )
    try:
        with engine.begin() as connection:
            result = RequeueResult(
                connection.execute(downloads).rowcount,
                connection.execute(transcriptions).rowcount,
            )
    except SQLAlchemyError as error:
        raise DatabaseError(f"cannot requeue episodes: {reason(error)}") from error
    logger.info("%s", result.summary())
    return result
