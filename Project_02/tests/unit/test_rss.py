"""RSS parsing: robust to odd feeds, hostile to hostile ones."""

from __future__ import annotations

import pytest

from podcast_pipeline.errors import FeedParseError
from podcast_pipeline.rss import parse_feed, strip_html, to_iso_utc
from tests.support.media import ENTITY_BOMB, Item, rss

FEED = "https://example.org/feed"


def test_one_item_feed_gives_one_episode() -> None:
    body = rss(
        [Item("Only", guid="g1", audio_url="https://example.org/a.mp3", length=10)]
    )

    episodes = parse_feed(body, FEED)
    assert len(episodes) == 1
    episode = episodes[0]

    assert episode.guid == "g1"
    assert episode.audio_url == "https://example.org/a.mp3"
    assert episode.audio_declared_bytes == 10
    assert episode.audio_type == "audio/mpeg"
    assert episode.duration == "00:01:00"
    assert episode.feed_url == FEED


@pytest.mark.parametrize(
    ("item", "expected_guid"),
    [
        (
            Item(
                "a", guid=None, audio_url="https://e.org/a.mp3", link="https://e.org/a"
            ),
            "https://e.org/a.mp3",
        ),
        (
            Item("b", guid=None, audio_url=None, link="https://e.org/b"),
            "https://e.org/b",
        ),
        (Item("c", guid="  g-c  ", audio_url="https://e.org/c.mp3"), "g-c"),
    ],
)
def test_missing_guid_falls_back_to_enclosure_then_link(
    item: Item, expected_guid: str
) -> None:
    episodes = parse_feed(rss([item]), FEED)
    assert len(episodes) == 1
    episode = episodes[0]
    assert episode.guid == expected_guid


def test_item_without_any_key_is_skipped() -> None:
    body = rss([Item("nothing"), Item("kept", guid="g")])
    assert [episode.guid for episode in parse_feed(body, FEED)] == ["g"]


def test_item_without_enclosure_is_recorded_without_audio() -> None:
    episodes = parse_feed(
        rss([Item("text only", guid="t", link="https://e.org/t")]), FEED
    )
    assert len(episodes) == 1
    episode = episodes[0]
    assert episode.audio_url is None
    assert episode.audio_declared_bytes is None


def test_duplicate_guids_keep_the_first_item() -> None:
    body = rss(
        [Item("newest", guid="dup"), Item("older", guid="dup"), Item("x", guid="y")]
    )
    episodes = parse_feed(body, FEED)
    assert [(episode.guid, episode.title) for episode in episodes] == [
        ("dup", "newest"),
        ("y", "x"),
    ]


def test_html_in_descriptions_becomes_plain_text() -> None:
    html = (
        '<p>Hello <b>world</b> &amp; <a href="x">friends</a></p><script>evil()</script>'
    )
    episodes = parse_feed(rss([Item("h", guid="h", description=html)]), FEED)
    assert len(episodes) == 1
    episode = episodes[0]
    assert episode.description == "Hello world & friends"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 02 Jan 2024 10:00:00 -0500", "2024-01-02T15:00:00Z"),
        ("Tue, 02 Jan 2024 10:00:00 GMT", "2024-01-02T10:00:00Z"),
        ("02 Jan 2024 23:30:00 +0100", "2024-01-02T22:30:00Z"),
        ("Tue, 02 Jan 2024 10:00:00 -0000", "2024-01-02T10:00:00Z"),
        ("2024-01-02T10:00:00+02:00", "2024-01-02T08:00:00Z"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_dates_become_iso_8601_utc(text: str | None, expected: str | None) -> None:
    assert to_iso_utc(text) == expected


def test_strip_html_collapses_whitespace_and_entities() -> None:
    assert strip_html("a<br/>b\n\n  c&nbsp;d") == "a b c d"


def test_malformed_xml_is_refused_with_a_clear_error() -> None:
    with pytest.raises(FeedParseError, match="not well-formed XML"):
        parse_feed(b"<rss><channel><item></channel>", FEED)


def test_entity_expansion_bomb_is_refused() -> None:
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(ENTITY_BOMB, FEED)


def test_external_entity_is_refused() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><title>&x;</title></channel></rss>"
    )
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(body, FEED)


def test_a_document_that_is_not_rss_is_refused() -> None:
    with pytest.raises(FeedParseError, match=r"not RSS 2\.0"):
        parse_feed(b"<html><body>Moved</body></html>", FEED)
