"""Safe file names and settings defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast_pipeline.config import (
    DEFAULT_FEED,
    build_settings,
    parse_count,
    parse_feed_list,
)
from podcast_pipeline.errors import InputError
from podcast_pipeline.paths import (
    audio_file_name,
    episode_audio_path,
    feed_directory_name,
)

FEED = "https://example.org/feed"


@pytest.mark.parametrize(
    ("url", "suffix"),
    [
        ("https://e.org/../../x.mp3", "-x.mp3"),
        ("https://e.org/a/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "-passwd.mp3"),
        ("https://e.org/show/Ep%201.M4A?token=1", "-Ep_1.m4a"),
        ("https://e.org/", "-episode.mp3"),
        ("https://e.org/.hidden", "-hidden.mp3"),
        ("https://e.org/" + "a" * 300 + ".mp3", "-" + "a" * 80 + ".mp3"),
    ],
)
def test_file_names_are_safe(url: str, suffix: str) -> None:
    name = audio_file_name("guid", url)
    assert name.endswith(suffix)
    assert "/" not in name
    assert not name.startswith(".")


@pytest.mark.parametrize(
    "url",
    ["https://e.org/../../x.mp3", "https://e.org/%2e%2e/%2e%2e/y.mp3", "file:///x.mp3"],
)
def test_audio_path_stays_inside_the_audio_dir(tmp_path: Path, url: str) -> None:
    path = episode_audio_path(tmp_path / "audio", FEED, "g", url)
    assert path.is_relative_to((tmp_path / "audio").resolve())


def test_same_file_name_in_two_episodes_gives_two_paths(tmp_path: Path) -> None:
    url = "https://e.org/episode.mp3"
    assert episode_audio_path(tmp_path, FEED, "a", url) != episode_audio_path(
        tmp_path, FEED, "b", url
    )


def test_feed_directory_names_differ_per_feed() -> None:
    assert feed_directory_name("https://a.org/f") != feed_directory_name(
        "https://a.org/g"
    )
    assert feed_directory_name("https://a.org/f").startswith("a.org_f-")


def test_settings_default_from_environment(tmp_path: Path) -> None:
    settings = build_settings(
        {
            "PODCAST_FEEDS": "https://a.org/1, https://b.org/2",
            "PODCAST_DATA_DIR": str(tmp_path),
            "PODCAST_MAX_EPISODES": "7",
        }
    )
    assert settings.feeds == ("https://a.org/1", "https://b.org/2")
    assert settings.store == str(tmp_path / "podcasts.db")
    assert settings.audio_dir == tmp_path / "audio"
    assert settings.feeds_dir == tmp_path / "feeds"
    assert settings.max_episodes == 7


def test_explicit_values_win_over_the_environment(tmp_path: Path) -> None:
    settings = build_settings(
        {"PODCAST_MAX_EPISODES": "7"},
        feeds=("https://c.org",),
        data_dir=tmp_path,
        store=tmp_path / "x.db",
        max_episodes=2,
    )
    assert (settings.feeds, settings.store, settings.max_episodes) == (
        ("https://c.org",),
        str(tmp_path / "x.db"),
        2,
    )


def test_store_url_comes_from_podcast_db(tmp_path: Path) -> None:
    url = "postgresql+psycopg://podcasts@127.0.0.1:5432/podcasts"
    settings = build_settings({"PODCAST_DB": url, "PODCAST_DATA_DIR": str(tmp_path)})
    assert settings.store == url


def test_defaults_without_environment() -> None:
    settings = build_settings({})
    assert settings.feeds == (DEFAULT_FEED,)
    assert settings.max_episodes == 5
    assert settings.data_dir.name == "podcast-pipeline"


@pytest.mark.parametrize("text", ["-1", "many", "1.5"])
def test_bad_counts_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="non-negative integer"):
        parse_count(text, "PODCAST_MAX_EPISODES")


def test_bad_worker_count_is_an_input_error() -> None:
    with pytest.raises(InputError, match="workers"):
        build_settings({}, workers=0)


def test_feed_list_splits_on_commas_spaces_and_newlines() -> None:
    assert parse_feed_list(" a,b\nc  d ,") == ("a", "b", "c", "d")
