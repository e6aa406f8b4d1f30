"""Feeds that move (301/308, new-feed-url) and publishers' transcripts, per store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine

from podcast_pipeline.models import Episode, FeedValidators
from podcast_pipeline.steps.feeds import fetch_feeds, store_feeds
from podcast_pipeline.steps.transcripts import TranscribeOptions, transcribe_due
from podcast_pipeline.store import (
    current_feed_url,
    list_episodes,
    open_store,
    store_feed,
)
from tests.store.helpers import FEED, set_columns
from tests.support.media import Item, make_mp3, rss
from tests.support.server import Fault, FaultServer, Route

VTT = b"""WEBVTT

NOTE made by the publisher

1
00:00:00.000 --> 00:00:02.000
<v Host>Welcome to the show.

2
00:00:02.000 --> 00:00:04.000
Today: feeds &amp; transcripts.
"""


@pytest.fixture
def store(store_target: str) -> Engine:
    return open_store(store_target)


def read_feed(engine: Engine, feed_url: str, tmp_path: Path) -> None:
    snapshots, _ = fetch_feeds(engine, [feed_url], tmp_path / "feeds")
    store_feeds(engine, snapshots)


def feed_route(*items: Item, head: str = "") -> Route:
    body = rss(list(items)).replace(b"<channel>", f"<channel>{head}".encode(), 1)
    return Route(body, content_type="application/rss+xml", etag='"v1"')


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_moves_the_stored_feed_url(
    store: Engine,
    server: FaultServer,
    tmp_path: Path,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    new = server.add("/new", feed_route(Item("one", guid="g1")))
    old = server.add(
        "/old", Route(b"", faults=[Fault("status", status=status, location=new)])
    )
    with caplog.at_level(logging.WARNING):
        read_feed(store, old, tmp_path)
    assert current_feed_url(store, old) == new
    assert f"Feed {old} moved to {new} (HTTP {status} from {old})" in caplog.text
    assert [row["feed_url"] for row in list_episodes(store)] == [old]

    read_feed(store, old, tmp_path)  # read at the new address: /old is not asked
    assert len(server.routes["/old"].requests) == 1
    assert server.routes["/new"].requests[-1].get("If-None-Match") == '"v1"'
    store.dispose()


def test_a_temporary_redirect_does_not_move_the_feed(
    store: Engine, server: FaultServer, tmp_path: Path
) -> None:
    new = server.add("/new", feed_route(Item("one", guid="g1")))
    old = server.add("/old", Route(b"", faults=[Fault("status", 302, location=new)]))
    read_feed(store, old, tmp_path)
    assert current_feed_url(store, old) == old
    assert len(list_episodes(store)) == 1
    store.dispose()


def test_itunes_new_feed_url_moves_the_feed_and_episodes_keep_their_identity(
    store: Engine, server: FaultServer, tmp_path: Path
) -> None:
    new = server.url("/new")
    old = server.add(
        "/old",
        feed_route(
            Item("old", guid="g1"),
            head=f"<itunes:new-feed-url>{new}</itunes:new-feed-url>",
        ),
    )
    # Same ETag at both addresses: the old URL's validators must not be sent.
    server.add("/new", feed_route(Item("newer", guid="g2"), Item("old", guid="g1")))
    read_feed(store, old, tmp_path)
    assert current_feed_url(store, old) == new

    read_feed(store, old, tmp_path)
    rows = list_episodes(store)
    assert sorted((row["feed_url"], row["guid"]) for row in rows) == [
        (old, "g1"),
        (old, "g2"),
    ]
    assert len(server.routes["/old"].requests) == 1
    store.dispose()


def downloaded_with_transcript(
    engine: Engine, folder: Path, transcript_url: str | None, kind: str = "text/vtt"
) -> None:
    item = Episode(
        feed_url=FEED,
        guid="g",
        title="t",
        audio_url="https://example.org/g.mp3",
        transcript_url=transcript_url,
        transcript_type=kind,
    )
    store_feed(engine, FEED, [item], FeedValidators())
    audio = folder / "g.mp3"
    audio.write_bytes(make_mp3(1.0))
    set_columns(engine, "g", download_status="downloaded", file_path=str(audio))


def test_the_publisher_transcript_is_stored_with_its_source_instead_of_ours(
    store: Engine, server: FaultServer, tmp_path: Path
) -> None:
    url = server.add("/t.vtt", Route(VTT, content_type="text/vtt"))
    downloaded_with_transcript(store, tmp_path, url)
    report = transcribe_due(store, TranscribeOptions(workers=1))
    assert (report.transcribed, report.from_publisher) == (1, 1)
    [row] = list_episodes(store)
    assert row["transcript"] == "Welcome to the show. Today: feeds & transcripts."
    assert (row["transcript_engine"], row["transcript_source"]) == ("publisher", url)
    store.dispose()


def test_own_transcripts_run_speech_to_text_despite_the_publishers(
    store: Engine, server: FaultServer, tmp_path: Path
) -> None:
    url = server.add("/t.vtt", Route(VTT, content_type="text/vtt"))
    downloaded_with_transcript(store, tmp_path, url)
    options = TranscribeOptions(workers=1, own_transcripts=True)
    assert transcribe_due(store, options).from_publisher == 0
    [row] = list_episodes(store)
    assert (row["transcript_engine"], row["transcript_source"]) == (
        "pocketsphinx",
        None,
    )
    assert server.routes["/t.vtt"].requests == []
    store.dispose()


def test_an_unreadable_publisher_transcript_falls_back_to_ours(
    store: Engine, server: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    downloaded_with_transcript(store, tmp_path, server.url("/missing.vtt"))
    with caplog.at_level(logging.WARNING):
        report = transcribe_due(store, TranscribeOptions(workers=1))
    assert (report.transcribed, report.from_publisher) == (1, 0)
    assert "404" in caplog.text
    assert "transcribing it ourselves" in caplog.text
    [row] = list_episodes(store)
    assert row["transcript_engine"] == "pocketsphinx"
    store.dispose()
