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

    episodes = parse_feed(body, FEED).episodes
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
    episodes = parse_feed(rss([item]), FEED).episodes
    assert len(episodes) == 1
    episode = episodes[0]
    assert episode.guid == expected_guid


def test_item_without_any_key_is_skipped() -> None:
    body = rss([Item("nothing"), Item("kept", guid="g")])
    assert [episode.guid for episode in parse_feed(body, FEED).episodes] == ["g"]


def test_item_without_enclosure_is_recorded_without_audio() -> None:
    episodes = parse_feed(
        rss([Item("text only", guid="t", link="https://e.org/t")]), FEED
    ).episodes
    assert len(episodes) == 1
    episode = episodes[0]
    assert episode.audio_url is None
    assert episode.audio_declared_bytes is None


def test_duplicate_guids_keep_the_first_item() -> None:
    body = rss(
        [Item("newest", guid="dup"), Item("older", guid="dup"), Item("x", guid="y")]
    )
    episodes = parse_feed(body, FEED).episodes
    assert [(episode.guid, episode.title) for episode in episodes] == [
        ("dup", "newest"),
        ("y", "x"),
    ]


def test_html_in_descriptions_becomes_plain_text() -> None:
    html = (
        '<p>Hello <b>world</b> &amp; <a href="x">friends</a></p><script>evil()</script>'
    )
    episodes = parse_feed(rss([Item("h", guid="h", description=html)]), FEED).episodes
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
    with pytest.raises(FeedParseError, match=r"not RSS 2\.0 or Atom"):
        parse_feed(b"<html><body>Moved</body></html>", FEED)


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
  <title>An Atom podcast</title>
  <id>urn:uuid:60a76c80-d399-11d9-b91C-0003939e0af6</id>
  <updated>2024-03-02T12:00:00Z</updated>
  <entry>
    <title type="html">Episode &lt;b&gt;2&lt;/b&gt;</title>
    <id>tag:example.org,2024:ep2</id>
    <link rel="alternate" type="text/html" href="https://example.org/ep2"/>
    <link rel="enclosure" type="audio/mpeg" length="12345"
          href="https://cdn.example.org/ep2.mp3"/>
    <published>2024-03-02T10:00:00+01:00</published>
    <updated>2024-03-02T12:00:00Z</updated>
    <content type="html">&lt;p&gt;Show &amp;amp; tell&lt;/p&gt;</content>
    <itunes:duration>12:34</itunes:duration>
  </entry>
  <entry>
    <title>Episode 1 (no published date)</title>
    <id>tag:example.org,2024:ep1</id>
    <link rel="enclosure" type="audio/ogg" href="https://cdn.example.org/ep1.ogg"/>
    <updated>2024-03-01T08:00:00Z</updated>
    <summary>Plain summary</summary>
  </entry>
</feed>
"""

MEDIA_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Media RSS show</title>
  <item>
    <title>Video and audio</title>
    <guid isPermaLink="false">m1</guid>
    <pubDate>Sat, 02 Mar 2024 10:00:00 GMT</pubDate>
    <media:content url="https://cdn.example.org/m1.mp4" type="video/mp4"
                   fileSize="999"/>
    <media:content url="https://cdn.example.org/m1.m4a" type="audio/mp4"
                   fileSize="4321" medium="audio"/>
  </item>
  <item>
    <title>Enclosure wins over media:content</title>
    <guid>m2</guid>
    <enclosure url="https://cdn.example.org/m2.mp3" type="audio/mpeg" length="7"/>
    <media:content url="https://cdn.example.org/m2-alt.mp3" type="audio/mpeg"/>
  </item>
</channel></rss>
"""


def test_atom_entries_with_enclosure_links() -> None:
    episodes = parse_feed(ATOM, FEED).episodes
    assert len(episodes) == 2
    newest, older = episodes[0], episodes[1]
    assert (newest.guid, newest.title, newest.link) == (
        "tag:example.org,2024:ep2",
        "Episode 2",
        "https://example.org/ep2",
    )
    assert (newest.audio_url, newest.audio_type, newest.audio_declared_bytes) == (
        "https://cdn.example.org/ep2.mp3",
        "audio/mpeg",
        12345,
    )
    assert newest.published_at == "2024-03-02T09:00:00Z"
    assert (newest.description, newest.duration) == ("Show & tell", "12:34")
    assert (older.audio_url, older.audio_type) == (
        "https://cdn.example.org/ep1.ogg",
        "audio/ogg",
    )
    assert older.published_at == "2024-03-01T08:00:00Z"  # <updated> when unpublished
    assert older.description == "Plain summary"


def test_media_content_gives_the_audio_when_there_is_no_enclosure() -> None:
    episodes = parse_feed(MEDIA_RSS, FEED).episodes
    assert len(episodes) == 2
    first, second = episodes[0], episodes[1]
    assert (first.audio_url, first.audio_type, first.audio_declared_bytes) == (
        "https://cdn.example.org/m1.m4a",
        "audio/mp4",
        4321,
    )
    assert first.published_at == "2024-03-02T10:00:00Z"
    assert second.audio_url == "https://cdn.example.org/m2.mp3"


def test_an_atom_document_declaring_entities_is_refused() -> None:
    body = ATOM.replace(
        b'<feed xmlns="http://www.w3.org/2005/Atom"',
        b'<!DOCTYPE feed [<!ENTITY x "boom">]>\n'
        b'<feed xmlns="http://www.w3.org/2005/Atom"',
    )
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(body, FEED)
