"""The store on both engines: schema, migrations, upserts, validators, listing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from podcast_pipeline.errors import DatabaseError, InputError
from podcast_pipeline.models import Episode, FeedValidators
from podcast_pipeline.store import (
    get_validators,
    list_episodes,
    mark_feed_unchanged,
    open_store,
    store_feed,
    store_url,
)
from podcast_pipeline.store.schema import SCHEMA_VERSION
from tests.store.helpers import FEED, episode, set_columns

# The version-1 schema as released (SQLite, PRAGMA user_version = 1).
VERSION_1 = (
    "CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, "
    "last_checked_at TEXT, last_changed_at TEXT)",
    "CREATE TABLE episodes (id INTEGER PRIMARY KEY, feed_url TEXT NOT NULL, "
    "guid TEXT NOT NULL, title TEXT NOT NULL, link TEXT, description TEXT NOT NULL "
    "DEFAULT '', published_at TEXT, audio_url TEXT, audio_type TEXT, "
    "audio_declared_bytes INTEGER, duration TEXT, first_seen_at TEXT NOT NULL, "
    "updated_at TEXT NOT NULL, download_status TEXT NOT NULL, download_attempts "
    "INTEGER NOT NULL DEFAULT 0, file_path TEXT, file_bytes INTEGER, sha256 TEXT, "
    "downloaded_at TEXT, download_error TEXT, UNIQUE (feed_url, guid))",
    "INSERT INTO episodes (feed_url, guid, title, first_seen_at, updated_at, "
    "download_status, download_attempts, file_path) VALUES ('https://example.org/"
    "feed', 'a', 'kept', 't0', 't0', 'downloaded', 1, '/x/a.mp3')",
    "PRAGMA user_version = 1",
)


def version_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT version FROM schema_version")))


def test_new_store_is_at_the_latest_schema(store: Engine) -> None:
    assert version_of(store) == SCHEMA_VERSION
    assert list_episodes(store) == []


def test_version_1_sqlite_database_migrates_in_place_keeping_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        for statement in VERSION_1:
            connection.execute(statement)
    engine = open_store(path)
    [row] = list_episodes(engine)
    assert (row["title"], row["download_status"], row["file_path"]) == (
        "kept",
        "downloaded",
        "/x/a.mp3",
    )
    assert (row["transcript"], row["claim_owner"], row["transcript_attempts"]) == (
        None,
        None,
        0,
    )
    assert version_of(engine) == SCHEMA_VERSION
    with sqlite3.connect(path) as connection:  # what older programs check
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    engine.dispose()


def test_store_newer_than_the_program_is_refused(store_target: str) -> None:
    engine = open_store(store_target)
    with engine.begin() as connection:
        connection.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="version 99 is newer than this program"):
        open_store(store_target)


def test_open_without_create_refuses_a_missing_store(store_target: str) -> None:
    message = "no database at|holds no episodes yet"
    with pytest.raises(InputError, match=message):
        open_store(store_target, create=False)
    if "://" not in store_target:
        assert not Path(store_target).exists()


@pytest.mark.parametrize(
    ("target", "error", "message"),
    [
        ("mysql://u@h/db", InputError, "must be a SQLite path or postgresql"),
        ("postgresql+psycopg://u@h:notaport/db", InputError, "cannot be parsed"),
        (
            "postgresql://nobody@127.0.0.1:9/db",
            DatabaseError,
            r"cannot open store postgresql\S*://nobody@127.0.0.1:9/db: .*refused",
        ),
    ],
)
def test_bad_or_unreachable_store_is_a_clear_error(
    target: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        open_store(target)


def test_password_never_appears_in_messages() -> None:
    with pytest.raises(DatabaseError) as raised:
        open_store("postgresql://user:s3cret@127.0.0.1:9/db")
    assert "s3cret" not in str(raised.value)


def test_unopenable_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(DatabaseError, match="cannot open store"):
        open_store(tmp_path / "dir.db")


def test_a_path_becomes_an_absolute_sqlite_url(tmp_path: Path) -> None:
    url = store_url(tmp_path / "p.db")
    assert (url.get_backend_name(), url.database) == ("sqlite", str(tmp_path / "p.db"))
    assert store_url("postgresql://h/db").get_driver_name() == "psycopg"


def test_upsert_is_idempotent_and_counts_new(store: Engine) -> None:
    first = store_feed(store, FEED, [episode("a"), episode("b")], FeedValidators())
    again = store_feed(store, FEED, [episode("a"), episode("b")], FeedValidators())
    assert (first.new, first.updated) == (2, 0)
    assert (again.new, again.updated) == (0, 2)
    assert len(list_episodes(store)) == 2


def test_refresh_keeps_download_transcript_and_claim_columns(store: Engine) -> None:
    store_feed(store, FEED, [episode("a", title="old")], FeedValidators())
    recorded = {
        "download_status": "downloaded",
        "download_attempts": 1,
        "file_path": "/x/a.mp3",
        "file_bytes": 5,
        "sha256": "abc",
        "transcript": "hello",
        "claim_owner": "w1",
        "claim_expires_at": "2999-01-01T00:00:00Z",
    }
    set_columns(store, "a", **recorded)
    store_feed(store, FEED, [episode("a", title="new")], FeedValidators())
    [row] = list_episodes(store)
    assert row["title"] == "new"
    assert {name: row[name] for name in recorded} == recorded


def test_failed_store_leaves_the_feed_untouched(store: Engine) -> None:
    store_feed(store, FEED, [episode("a")], FeedValidators("e1", None))
    broken = Episode(feed_url=FEED, guid="b", title=None)  # type: ignore[arg-type]
    with pytest.raises(DatabaseError, match="cannot store") as raised:
        store_feed(
            store, FEED, [episode("a", title="changed"), broken], FeedValidators("e2")
        )
    assert "\n" not in str(raised.value)  # one line for the CLI, no SQL dump
    [row] = list_episodes(store)
    assert row["title"] == "t"
    assert get_validators(store, FEED) == FeedValidators("e1", None)


def test_validators_round_trip_and_304_keeps_them(store: Engine) -> None:
    assert get_validators(store, FEED) == FeedValidators()
    validators = FeedValidators('"v1"', "Tue, 02 Jan 2024 10:00:00 GMT")
    store_feed(store, FEED, [], validators)
    mark_feed_unchanged(store, FEED)
    assert get_validators(store, FEED) == validators


def test_text_only_episode_becomes_pending_when_audio_appears(store: Engine) -> None:
    store_feed(store, FEED, [episode("a", audio=False)], FeedValidators())
    assert list_episodes(store)[0]["download_status"] == "no-audio"
    store_feed(store, FEED, [episode("a")], FeedValidators())
    assert list_episodes(store)[0]["download_status"] == "pending"


def test_episodes_are_listed_newest_first(store: Engine) -> None:
    store_feed(
        store,
        FEED,
        [
            episode("old", published="2024-01-01T00:00:00Z"),
            episode("undated"),
            episode("new", published="2024-02-01T00:00:00Z"),
        ],
        FeedValidators(),
    )
    assert [row["guid"] for row in list_episodes(store)] == ["new", "old", "undated"]
