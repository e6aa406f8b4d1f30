"""The episode store on SQLAlchemy Core: SQLite (embedded default) or PostgreSQL.

Open it with :func:`open_store` (a file path or a SQLAlchemy URL); every other
function takes the engine it returns.
"""

from podcast_pipeline.store.claims import (
    RunClaims,
    claim_downloads,
    claim_for_run,
    claim_transcriptions,
    episode_progress,
    new_owner,
    record_download,
    record_transcript,
    release_claims,
    renew_claim,
)
from podcast_pipeline.store.engine import describe, open_store, store_url
from podcast_pipeline.store.episodes import (
    FeedMove,
    StoreResult,
    current_feed_url,
    get_validators,
    list_episodes,
    mark_feed_unchanged,
    store_feed,
    utc_now,
    utc_text,
)
from podcast_pipeline.store.requeue import RequeueResult, requeue

__all__ = [
    "FeedMove",
    "RequeueResult",
    "RunClaims",
    "StoreResult",
    "claim_downloads",
    "claim_for_run",
    "claim_transcriptions",
    "current_feed_url",
    "describe",
    "episode_progress",
    "get_validators",
    "list_episodes",
    "mark_feed_unchanged",
    "new_owner",
    "open_store",
    "record_download",
    "record_transcript",
    "release_claims",
    "renew_claim",
    "requeue",
    "store_feed",
    "store_url",
    "utc_now",
    "utc_text",
]
