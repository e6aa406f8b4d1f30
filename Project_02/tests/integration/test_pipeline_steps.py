"""The pipeline steps end to end against a local server: feeds, storage, downloads."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from podcast_pipeline.config import Settings
from podcast_pipeline.download.transfer import DownloadPolicy
from podcast_pipeline.errors import FeedFetchError, FeedParseError, InputError
from podcast_pipeline.models import FeedValidators, RetrySchedule
from podcast_pipeline.retry import RetryPolicy
from podcast_pipeline.runner import TranscribeChoice, run_pipeline
from podcast_pipeline.steps.downloads import DownloadReport, download_due
from podcast_pipeline.steps.feeds import (
    FeedReport,
    FeedSnapshot,
    fetch_feeds,
    store_feeds,
)
from podcast_pipeline.store import get_validators, list_episodes, open_store
from tests.support.media import ENTITY_BOMB, Item, rss
from tests.support.server import Fault, FaultServer, Route

POLICY = DownloadPolicy(
    retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, read_timeout=2),
    min_free_bytes=0,
    max_bytes=100_000,
)
NO_TRANSCRIBE = TranscribeChoice(enabled=False)


def no_sleep(_seconds: float) -> None:
    """Retries in these tests need no real waiting."""


def rows(settings: Settings) -> dict[str, dict[str, Any]]:
    engine = open_store(settings.store)
    try:
        return {row["guid"]: row for row in list_episodes(engine)}
    finally:
        engine.dispose()


def settings_for(tmp_path: Path, *feeds: str, max_episodes: int = 10) -> Settings:
    return Settings(
        feeds=feeds,
        data_dir=tmp_path / "data",
        store=str(tmp_path / "data" / "podcasts.db"),
        max_episodes=max_episodes,
        workers=3,
    )


def fetch(settings: Settings, **options: Any) -> tuple[list[FeedSnapshot], FeedReport]:
    engine = open_store(settings.store)
    try:
        return fetch_feeds(engine, settings.feeds, settings.feeds_dir, **options)
    finally:
        engine.dispose()


def store(settings: Settings, snapshots: list[FeedSnapshot]) -> FeedReport:
    engine = open_store(settings.store)
    try:
        return store_feeds(engine, snapshots)
    finally:
        engine.dispose()


def download(settings: Settings, **options: Any) -> DownloadReport:
    engine = open_store(settings.store)
    try:
        return download_due(engine, settings.audio_dir, **options)
    finally:
        engine.dispose()


def fetch_and_store(settings: Settings) -> None:
    snapshots, _ = fetch(settings, sleep=no_sleep)
    store(settings, snapshots)


def test_run_stores_downloads_and_a_rerun_transfers_nothing(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    audio = [server.add(f"/e{n}.mp3", Route(mp3_bytes)) for n in range(3)]
    feed = server.add(
        "/feed.xml",
        Route(
            rss(
                [
                    Item(
                        "Three",
                        guid="g3",
                        audio_url=audio[2],
                        pub_date="Wed, 03 Jan 2024 10:00:00 GMT",
                    ),
                    Item(
                        "Two",
                        guid="g2",
                        audio_url=audio[1],
                        pub_date="Tue, 02 Jan 2024 10:00:00 GMT",
                    ),
                    Item(
                        "One",
                        guid="g1",
                        audio_url=audio[0],
                        pub_date="Mon, 01 Jan 2024 10:00:00 GMT",
                    ),
                    Item("Notes", guid="n", link="https://e.org/notes"),
                ]
            ),
            content_type="application/rss+xml",
            etag='"v1"',
        ),
    )
    settings = settings_for(tmp_path, feed, max_episodes=2)

    first = run_pipeline(settings, transcribe=NO_TRANSCRIBE, policy=POLICY)
    stored = rows(settings)

    assert first.stored.new_episodes == 4
    assert first.downloads.downloaded == 2
    assert {g: r["download_status"] for g, r in stored.items()} == {
        "g3": "downloaded",
        "g2": "downloaded",
        "g1": "pending",
        "n": "no-audio",
    }
    for guid in ("g3", "g2"):
        path = Path(stored[guid]["file_path"])
        assert path.read_bytes() == mp3_bytes
        assert path.is_relative_to(settings.audio_dir.resolve())
        assert stored[guid]["sha256"] == hashlib.sha256(mp3_bytes).hexdigest()
        assert stored[guid]["file_bytes"] == len(mp3_bytes)
        assert stored[guid]["downloaded_at"].endswith("Z")

    second = run_pipeline(settings, transcribe=NO_TRANSCRIBE, policy=POLICY)
    assert second.downloads.downloaded == 1  # the one left over by --max-episodes
    sent_before, stored_before = server.body_bytes_sent, rows(settings)
    third = run_pipeline(settings, transcribe=NO_TRANSCRIBE, policy=POLICY)
    assert server.body_bytes_sent == sent_before  # 304 and nothing left: zero bytes
    assert (third.fetched.bytes_received, third.downloads.attempted) == (0, 0)
    assert third.fetched.unchanged == 1
    assert rows(settings) == stored_before  # nothing stored was altered


def test_one_bad_episode_never_stops_the_others(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    items = [
        Item("ok", guid="ok", audio_url=server.add("/ok.mp3", Route(mp3_bytes))),
        Item(
            "flaky",
            guid="flaky",
            audio_url=server.add(
                "/flaky.mp3",
                Route(
                    mp3_bytes, faults=[Fault("status", 503), Fault("drop", cut_at=500)]
                ),
            ),
        ),
        Item(
            "dead",
            guid="dead",
            audio_url=server.add(
                "/dead.mp3", Route(mp3_bytes, faults=[Fault("status", 500)] * 5)
            ),
        ),
        Item("escape", guid="escape", audio_url=server.url("/../../x.mp3")),
        Item("local", guid="local", audio_url="file:///etc/passwd"),
        Item(
            "huge",
            guid="huge",
            audio_url=server.add("/huge.mp3", Route(b"\0" * 200_000)),
        ),
        Item(
            "html",
            guid="html",
            audio_url=server.add(
                "/page.mp3", Route(b"<html/>", content_type="text/html")
            ),
        ),
    ]
    server.add("/x.mp3", Route(mp3_bytes))  # where ../../x.mp3 lands on the server
    settings = settings_for(tmp_path, server.add("/feed.xml", Route(rss(items))))
    open_store(settings.store).dispose()
    fetch_and_store(settings)

    report = download(
        settings,
        max_episodes=10,
        workers=4,
        policy=POLICY,
        schedule=RetrySchedule(first_delay=timedelta(0)),  # due again at once
        sleep=no_sleep,
    )
    stored = rows(settings)

    assert (report.downloaded, report.failed, report.refused) == (3, 1, 3)
    status = {guid: row["download_status"] for guid, row in stored.items()}
    assert status == {
        "ok": "downloaded",
        "flaky": "downloaded",
        "escape": "downloaded",
        "dead": "failed",
        "local": "refused",
        "huge": "refused",
        "html": "refused",
    }
    assert (
        Path(stored["escape"]["file_path"]).parent.parent
        == settings.audio_dir.resolve()
    )
    assert "HTTP 500" in stored["dead"]["download_error"]
    assert "non-http" in stored["local"]["download_error"]
    assert "cap" in stored["huge"]["download_error"]
    assert "not audio" in stored["html"]["download_error"]
    files = sorted(p.name for p in settings.audio_dir.rglob("*") if p.is_file())
    assert not [name for name in files if name.endswith(".part")] or all(
        "dead" in name for name in files if name.endswith(".part")
    )
    assert len([name for name in files if name.endswith(".mp3")]) == 3

    retry = download(
        settings,
        max_episodes=10,
        workers=2,
        policy=POLICY,
        sleep=no_sleep,
    )
    assert (retry.attempted, retry.downloaded) == (1, 1)  # the failed one; refused stay
    assert rows(settings)["dead"]["download_attempts"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<rss><channel><item>", "not well-formed"),
        (ENTITY_BOMB, "declares XML entities"),
    ],
)
def test_hostile_feed_is_refused_and_stored_rows_are_unchanged(
    server: FaultServer, tmp_path: Path, body: bytes, message: str
) -> None:
    route = Route(rss([Item("a", guid="a"), Item("b", guid="b")]), etag='"v1"')
    settings = settings_for(tmp_path, server.add("/feed.xml", route))
    open_store(settings.store).dispose()
    fetch_and_store(settings)
    before = rows(settings)

    route.body, route.etag = body, '"v2"'
    with pytest.raises(FeedParseError, match=message):
        fetch_and_store(settings)

    assert rows(settings) == before
    validators = get_validators(open_store(settings.store), settings.feeds[0])
    assert validators == FeedValidators('"v1"')  # not advanced: fetched again next time


def test_duplicate_guids_and_a_one_item_feed(
    server: FaultServer, tmp_path: Path
) -> None:
    duplicated = server.add(
        "/dup.xml",
        Route(rss([Item("first", guid="same"), Item("second", guid="same")])),
    )
    single = server.add("/one.xml", Route(rss([Item("only", guid="only")])))
    settings = settings_for(tmp_path, duplicated, single)
    open_store(settings.store).dispose()
    fetch_and_store(settings)
    stored = rows(settings)
    assert {guid: row["title"] for guid, row in stored.items()} == {
        "same": "first",
        "only": "only",
    }


def test_feed_answering_304_costs_nothing_and_changes_nothing(
    server: FaultServer, tmp_path: Path
) -> None:
    route = Route(
        rss([Item("a", guid="a")]), last_modified="Tue, 02 Jan 2024 10:00:00 GMT"
    )
    settings = settings_for(tmp_path, server.add("/feed.xml", route))
    open_store(settings.store).dispose()
    fetch_and_store(settings)
    before = rows(settings)

    snapshots, report = fetch(settings)
    store(settings, snapshots)

    assert route.requests[1]["If-Modified-Since"] == "Tue, 02 Jan 2024 10:00:00 GMT"
    assert snapshots[0].not_modified
    assert report.bytes_received == 0
    assert rows(settings) == before


def test_feed_fetch_retries_429_and_slow_responses(
    server: FaultServer, tmp_path: Path
) -> None:
    route = Route(
        rss([Item("a", guid="a")]),
        faults=[Fault("status", 429, "1"), Fault("slow", delay=0.1)],
    )
    settings = settings_for(tmp_path, server.add("/feed.xml", route))
    open_store(settings.store).dispose()
    waits: list[float] = []
    snapshots, _ = fetch(settings, sleep=waits.append)
    assert waits[0] == 1.0
    assert len(route.requests) == 2
    assert Path(str(snapshots[0].body_path)).read_bytes() == route.body
    assert FeedSnapshot.from_dict(snapshots[0].to_dict()) == snapshots[0]


def test_one_unreachable_feed_of_two_is_reported_and_the_other_stored(
    server: FaultServer, tmp_path: Path
) -> None:
    good = server.add("/feed.xml", Route(rss([Item("a", guid="a")])))
    settings = settings_for(tmp_path, good, server.url("/gone.xml"))
    open_store(settings.store).dispose()
    snapshots, report = fetch(settings)
    assert report.failures == (
        (server.url("/gone.xml"), f"feed {server.url('/gone.xml')} answered HTTP 404"),
    )
    assert store(settings, snapshots).new_episodes == 1


def test_every_feed_unreachable_is_one_clear_error(tmp_path: Path) -> None:
    with FaultServer() as closed:
        url = closed.url("/feed.xml")
    settings = settings_for(tmp_path, url)
    open_store(settings.store).dispose()
    with pytest.raises(
        FeedFetchError, match="failed after 3 attempts: ConnectionError"
    ):
        fetch(settings, sleep=no_sleep)


def test_non_http_feed_is_bad_input(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "file:///etc/passwd")
    open_store(settings.store).dispose()
    with pytest.raises(InputError, match="must be http"):
        fetch(settings)


def test_database_is_a_real_sqlite_file(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    open_store(settings.store).dispose()
    with sqlite3.connect(settings.store) as connection:
        tables = {
            row[0] for row in connection.execute("SELECT name FROM sqlite_master")
        }
    assert {"feeds", "episodes"} <= tables
