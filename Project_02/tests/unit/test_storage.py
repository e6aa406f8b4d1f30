"""SQLite storage: migrations, idempotent upserts, UPDATEs that keep other columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from podcast_pipeline.errors import DatabaseError
from podcast_pipeline.models import Episode, FeedValidators
from podcast_pipeline.schema import SCHEMA_VERSION, migrate, schema_version
from podcast_pipeline.storage import (
    database,
    get_validators,
    list_episodes,
    mark_feed_unchanged,
    open_database,
    pending_downloads,
    pending_transcriptions,
    store_feed,
    update_episode,
)

FEED = "https://example.org/feed"


def episode(
    guid: str, title: str = "t", published: str | None = None, audio: bool = True
) -> Episode:
    return Episode(
        feed_url=FEED,
        guid=guid,
        title=title,
        published_at=published,
        audio_url=f"https://example.org/{guid}.mp3" if audio else None,
    )


def test_new_database_is_at_the_latest_schema(tmp_path: Path) -> None:
    with database(tmp_path / "sub" / "p.db") as connection:
        assert schema_version(connection) == SCHEMA_VERSION


def test_old_database_migrates_in_place_keeping_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    migrate(connection, target=1)
    store_feed(connection, FEED, [episode("a")], FeedValidators("e1", None))
    connection.close()

    with database(path) as upgraded:
        assert schema_version(upgraded) == SCHEMA_VERSION
        [row] = list_episodes(upgraded)
    assert row["guid"] == "a"
    assert row["transcript"] is None
    assert "transcript_error" in row


def test_database_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DatabaseError, match="newer than this program"):
        open_database(path)


def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_database(tmp_path / "dir.db")


def test_upsert_is_idempotent_and_counts_new(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        first = store_feed(
            connection, FEED, [episode("a"), episode("b")], FeedValidators()
        )
        again = store_feed(
            connection, FEED, [episode("a"), episode("b")], FeedValidators()
        )
        rows = list_episodes(connection)
    assert (first.new, first.updated) == (2, 0)
    assert (again.new, again.updated) == (0, 2)
    assert len(rows) == 2


def test_refresh_keeps_download_and_transcript_columns(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, [episode("a", title="old")], FeedValidators())
        [row] = list_episodes(connection)
        update_episode(
            connection,
            row["id"],
            count_attempt=True,
            download_status="downloaded",
            file_path="/x/a.mp3",
            file_bytes=5,
            sha256="abc",
            transcript="hello",
        )
        store_feed(connection, FEED, [episode("a", title="new")], FeedValidators())
        [row] = list_episodes(connection)
    assert row["title"] == "new"
    assert (row["download_status"], row["file_path"], row["file_bytes"]) == (
        "downloaded",
        "/x/a.mp3",
        5,
    )
    assert (row["sha256"], row["transcript"], row["download_attempts"]) == (
        "abc",
        "hello",
        1,
    )


def test_update_touches_only_the_named_columns_of_one_episode(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, [episode("a"), episode("b")], FeedValidators())
        before = {row["guid"]: row for row in list_episodes(connection)}
        update_episode(connection, before["a"]["id"], download_error="boom")
        after = {row["guid"]: row for row in list_episodes(connection)}
    assert after["b"] == before["b"]
    assert {k for k in after["a"] if after["a"][k] != before["a"][k]} == {
        "download_error"
    }


def test_update_refuses_feed_columns(tmp_path: Path) -> None:
    with (
        database(tmp_path / "p.db") as connection,
        pytest.raises(ValueError, match="title"),
    ):
        update_episode(connection, 1, title="x")


def test_failed_store_leaves_the_feed_untouched(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, [episode("a")], FeedValidators("e1", None))
        broken = Episode(feed_url=FEED, guid="b", title=None)  # type: ignore[arg-type]
        with pytest.raises(DatabaseError, match="cannot store"):
            store_feed(
                connection,
                FEED,
                [episode("a", title="changed"), broken],
                FeedValidators("e2", None),
            )
        [row] = list_episodes(connection)
        assert row["title"] == "t"
        assert get_validators(connection, FEED) == FeedValidators("e1", None)


def test_validators_round_trip_and_304_keeps_them(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        assert get_validators(connection, FEED) == FeedValidators()
        store_feed(
            connection,
            FEED,
            [],
            FeedValidators('"v1"', "Tue, 02 Jan 2024 10:00:00 GMT"),
        )
        mark_feed_unchanged(connection, FEED)
        assert get_validators(connection, FEED) == FeedValidators(
            '"v1"', "Tue, 02 Jan 2024 10:00:00 GMT"
        )


def test_pending_downloads_newest_first_limited_and_skipping_refused(
    tmp_path: Path,
) -> None:
    episodes = [
        episode("old", published="2024-01-01T00:00:00Z"),
        episode("new", published="2024-03-01T00:00:00Z"),
        episode("mid", published="2024-02-01T00:00:00Z"),
        episode("undated"),
        episode("text", audio=False),
    ]
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, episodes, FeedValidators())
        ids = {row["guid"]: row["id"] for row in list_episodes(connection)}
        update_episode(connection, ids["mid"], download_status="refused")
        update_episode(connection, ids["old"], download_status="failed")
        assert [p.guid for p in pending_downloads(connection, 10)] == [
            "new",
            "old",
            "undated",
        ]
        assert [p.guid for p in pending_downloads(connection, 1)] == ["new"]


def test_text_only_episode_becomes_pending_when_audio_appears(tmp_path: Path) -> None:
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, [episode("a", audio=False)], FeedValidators())
        assert pending_downloads(connection, 5) == []
        store_feed(connection, FEED, [episode("a")], FeedValidators())
        assert [p.guid for p in pending_downloads(connection, 5)] == ["a"]


def test_pending_transcriptions_are_downloaded_without_transcript_or_error(
    tmp_path: Path,
) -> None:
    with database(tmp_path / "p.db") as connection:
        store_feed(connection, FEED, [episode(g) for g in "abcd"], FeedValidators())
        ids = {row["guid"]: row["id"] for row in list_episodes(connection)}
        for guid in "abc":
            update_episode(
                connection,
                ids[guid],
                download_status="downloaded",
                file_path=f"/d/{guid}.mp3",
            )
        update_episode(connection, ids["b"], transcript="done")
        update_episode(connection, ids["c"], transcript_error="corrupt")
        assert pending_transcriptions(connection) == [(ids["a"], Path("/d/a.mp3"))]
