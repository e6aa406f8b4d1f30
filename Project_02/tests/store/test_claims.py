"""Claims on both engines: fair selection, exclusivity, leases, results, retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from podcast_pipeline.models import DownloadedFile, FeedValidators, RetrySchedule
from podcast_pipeline.store import (
    claim_downloads,
    claim_transcriptions,
    list_episodes,
    record_download,
    record_transcript,
    release_claims,
    renew_claim,
    store_feed,
)
from tests.store.helpers import FEED, episode, set_columns

LEASE = timedelta(minutes=10)
OTHER = "https://other.example/feed"
PAST = "2000-01-01T00:00:00Z"


def day(number: int) -> str:
    return f"2024-01-{number:02d}T00:00:00Z"


def rows(engine: Engine) -> dict[str, dict[str, object]]:
    return {row["guid"]: row for row in list_episodes(engine)}


def test_selection_is_newest_first_per_feed_and_round_robin(store: Engine) -> None:
    store_feed(
        store,
        FEED,
        [episode(f"a{n}", published=day(n)) for n in range(1, 6)],
        FeedValidators(),
    )
    store_feed(
        store,
        OTHER,
        [episode(f"b{n}", published=day(n), feed=OTHER) for n in (1, 2)],
        FeedValidators(),
    )
    claims = claim_downloads(store, "w1", 5, LEASE)
    assert [claim.guid for claim in claims] == ["a5", "b2", "a4", "b1", "a3"]


def test_a_claimed_episode_is_never_claimed_twice(store: Engine) -> None:
    store_feed(store, FEED, [episode("a"), episode("b")], FeedValidators())
    first = claim_downloads(store, "w1", 1, LEASE)
    second = claim_downloads(store, "w2", 5, LEASE)
    assert [c.guid for c in first] + [c.guid for c in second] in (
        ["a", "b"],
        ["b", "a"],
    )
    assert claim_downloads(store, "w3", 5, LEASE) == []


def test_a_lapsed_lease_is_picked_up_and_the_old_owner_writes_nothing(
    store: Engine, tmp_path: Path
) -> None:
    store_feed(store, FEED, [episode("a")], FeedValidators())
    [crashed] = claim_downloads(store, "crashed", 1, LEASE)
    set_columns(store, "a", claim_expires_at=PAST)  # the lease runs out
    [taken] = claim_downloads(store, "w2", 1, LEASE)
    assert taken.episode_id == crashed.episode_id
    assert record_download(store, crashed, None, error="late") is None
    done = DownloadedFile(path=tmp_path / "a.mp3", size=3, sha256="abc")
    assert record_download(store, taken, done) == "downloaded"
    row = rows(store)["a"]
    assert (row["download_status"], row["download_error"], row["claim_owner"]) == (
        "downloaded",
        None,
        None,
    )
    assert record_download(store, crashed, None, error="later still") is None
    assert rows(store)["a"]["download_status"] == "downloaded"


def test_transient_failures_back_off_then_give_up(store: Engine) -> None:
    schedule = RetrySchedule(
        max_attempts=2, first_delay=timedelta(hours=1), give_up_after=timedelta(0)
    )
    store_feed(store, FEED, [episode("a", published=day(2))], FeedValidators())
    [claim] = claim_downloads(store, "w1", 5, LEASE)
    assert record_download(store, claim, None, error="503", schedule=schedule) == (
        "failed"
    )
    row = rows(store)["a"]
    assert (row["download_attempts"], row["download_error"]) == (1, "503")
    assert str(row["next_attempt_at"]) > str(row["updated_at"])
    # Waiting out its back-off, it never blocks a fresh (older) episode.
    store_feed(
        store,
        FEED,
        [episode("a", published=day(2)), episode("fresh", published=day(1))],
        FeedValidators(),
    )
    assert [c.guid for c in claim_downloads(store, "w2", 1, LEASE)] == ["fresh"]
    set_columns(store, "a", next_attempt_at=PAST)  # the back-off is over
    [claim] = claim_downloads(store, "w3", 5, LEASE)
    assert (claim.guid, claim.download_attempts) == ("a", 1)
    assert record_download(store, claim, None, error="503", schedule=schedule) == (
        "gave-up"
    )
    set_columns(store, "a", next_attempt_at=PAST)
    assert claim_downloads(store, "w4", 5, LEASE) == []
    assert rows(store)["a"]["download_attempts"] == 2


def test_permanent_failures_are_never_retried(store: Engine) -> None:
    store_feed(store, FEED, [episode("gone")], FeedValidators())
    [claim] = claim_downloads(store, "w1", 1, LEASE)
    assert record_download(store, claim, None, error="HTTP 404", permanent=True) == (
        "refused"
    )
    set_columns(store, "gone", next_attempt_at=PAST)
    assert claim_downloads(store, "w2", 5, LEASE) == []


def test_release_gives_episodes_back(store: Engine) -> None:
    store_feed(store, FEED, [episode("a"), episode("b")], FeedValidators())
    claims = claim_downloads(store, "w1", 5, LEASE)
    assert release_claims(store, claims) == 2
    assert len(claim_downloads(store, "w2", 5, LEASE)) == 2


def test_renew_keeps_my_claim_and_refuses_anothers(store: Engine) -> None:
    store_feed(store, FEED, [episode("a")], FeedValidators())
    [mine] = claim_downloads(store, "w1", 1, LEASE)
    assert renew_claim(store, mine, LEASE) == mine
    stranger = type(mine)(**{**mine.to_dict(), "owner": "w2"})
    assert renew_claim(store, stranger, LEASE) is None


def test_transcription_claims_and_their_retries(store: Engine) -> None:
    store_feed(
        store, FEED, [episode("ok"), episode("dies"), episode("bad")], FeedValidators()
    )
    for guid in ("ok", "dies", "bad"):
        set_columns(store, guid, download_status="downloaded", file_path=f"/{guid}")
    claims = {c.guid: c for c in claim_transcriptions(store, "w1", None, LEASE)}
    assert set(claims) == {"ok", "dies", "bad"}
    assert claim_transcriptions(store, "w2", None, LEASE) == []
    assert record_transcript(store, claims["ok"], text="hi", engine_name="e") == (
        "transcribed"
    )
    assert (
        record_transcript(
            store, claims["dies"], text=None, engine_name="e", error="worker died"
        )
        == "failed"
    )
    assert (
        record_transcript(
            store,
            claims["bad"],
            text=None,
            engine_name="e",
            error="not audio",
            permanent=True,
        )
        == "refused"
    )
    assert claim_transcriptions(store, "w3", None, LEASE) == []
    set_columns(store, "dies", transcript_next_attempt_at=PAST)
    set_columns(store, "bad", transcript_next_attempt_at=None)
    [retry] = claim_transcriptions(store, "w4", None, LEASE)
    assert (retry.guid, retry.transcript_attempts) == ("dies", 1)


def test_claims_round_trip_through_json(store: Engine) -> None:
    store_feed(store, FEED, [episode("a")], FeedValidators())
    [claim] = claim_downloads(store, "w1", 1, LEASE)
    assert type(claim).from_dict(claim.to_dict()) == claim
