"""The feed corpus (tests/data/feeds): shapes podcast apps read, and what is refused.

Each file is one shape met in real feeds; the expected episode is what gPodder or
Apple Podcasts would show for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podcast_pipeline.errors import FeedParseError, TranscriptFetchError
from podcast_pipeline.feed_repair import decode, repair
from podcast_pipeline.models import Episode
from podcast_pipeline.publisher_transcripts import transcript_text
from podcast_pipeline.rss import parse_feed

CORPUS = Path(__file__).parents[1] / "data" / "feeds"
FEED = "https://podcasts.example.org/shows/feed.xml"
CDN = "https://cdn.example.org"


def first_episode(name: str) -> Episode:
    return parse_feed((CORPUS / name).read_bytes(), FEED).episodes[0]


@pytest.mark.parametrize(
    ("name", "guid", "title", "audio_url"),
    [
        (
            "undeclared-itunes-prefix.xml",
            "prefix-3",
            "Episode 3",
            f"{CDN}/prefix-3.mp3",
        ),
        ("no-xml-declaration.xml", "plain-1", "Plain", f"{CDN}/plain-1.mp3"),
        ("utf8-bom.xml", "bom-1", "Überall", f"{CDN}/bom-1.mp3"),
        ("iso-8859-1.xml", "latin-1", "Café à la carte", f"{CDN}/latin-1.mp3"),
        ("utf-16.xml", "utf16-1", "Ωmega", f"{CDN}/utf16-1.mp3"),
        (
            "windows-1252-mislabelled.xml",
            "cp1252-1",
            "\u201cQuotes\u201d \u2013 dash",
            f"{CDN}/cp1252-1.mp3",
        ),
        (
            "html-entities.xml",
            "entities-1",
            "Café talk — Tom & Jerry © 2024",
            f"{CDN}/entities-1.mp3?a=1&b=2",
        ),
        ("several-enclosures.xml", "several-1", "Video first", f"{CDN}/several-1.mp3"),
        ("untitled-items.xml", "untitled-1", "Episode 42", None),
        ("no-guid.xml", f"{CDN}/noguid-1.mp3", "First", f"{CDN}/noguid-1.mp3"),
        (
            "atom-relative-links.xml",
            "urn:uuid:atom-1",
            "Relative to the feed",
            "https://podcasts.example.org/shows/media/atom-1.mp3",
        ),
        (
            "rss-091-doctype.xml",
            "https://cdn.example.org/old-1.mp3",
            "Old show",
            f"{CDN}/old-1.mp3",
        ),
        (
            "relative-enclosure.xml",
            "relative-1",
            "Root-relative",
            "https://podcasts.example.org/media/relative-1.mp3",
        ),
    ],
)
def test_corpus_feed_is_read_as_a_podcast_app_reads_it(
    name: str, guid: str, title: str, audio_url: str | None
) -> None:
    episode = first_episode(name)
    assert (episode.guid, episode.title) == (guid, title)
    if audio_url is not None:
        assert episode.audio_url == audio_url


def test_undeclared_itunes_prefix_keeps_the_itunes_fields() -> None:
    assert first_episode("undeclared-itunes-prefix.xml").duration == "00:42:10"


def test_audio_is_preferred_among_several_enclosures_and_media_content() -> None:
    episodes = parse_feed((CORPUS / "several-enclosures.xml").read_bytes(), FEED)
    audio = [
        (e.audio_url, e.audio_type, e.audio_declared_bytes) for e in episodes.episodes
    ]
    assert audio == [
        (f"{CDN}/several-1.mp3", "audio/mpeg", 3000),
        (f"{CDN}/several-2.m4a", "audio/x-m4a", 4000),
    ]


def test_an_untitled_item_is_named_after_its_audio_file_else_its_link() -> None:
    episodes = parse_feed((CORPUS / "untitled-items.xml").read_bytes(), FEED).episodes
    assert [e.title for e in episodes] == [
        "Episode 42",
        "https://example.org/episodes/2",
    ]
    assert episodes[0].audio_url == f"{CDN}/shows/Episode%2042.mp3?token=abc"


def test_items_without_guid_are_keyed_by_their_audio_url() -> None:
    episodes = parse_feed((CORPUS / "no-guid.xml").read_bytes(), FEED).episodes
    assert [e.guid for e in episodes] == [f"{CDN}/noguid-1.mp3", f"{CDN}/noguid-2.mp3"]


def test_atom_links_resolve_against_xml_base_and_the_feed_url() -> None:
    episodes = parse_feed((CORPUS / "atom-relative-links.xml").read_bytes(), FEED)
    first, second = episodes.episodes
    assert first.link == "https://podcasts.example.org/shows/episodes/1.html"
    assert second.audio_url == "https://media.example.net/season2/atom-2.mp3"


def test_relative_urls_resolve_against_the_url_the_body_came_from() -> None:
    body = (CORPUS / "relative-enclosure.xml").read_bytes()
    episode = parse_feed(body, FEED, base_url="https://moved.example.net/f").episodes[0]
    assert episode.feed_url == FEED
    assert episode.audio_url == "https://moved.example.net/media/relative-1.mp3"
    assert episode.link == "https://moved.example.net/shows/1"


def test_new_feed_url_is_returned_and_a_feed_without_one_has_none() -> None:
    moving = parse_feed((CORPUS / "new-feed-url.xml").read_bytes(), FEED)
    assert moving.new_feed_url == "https://new.example.org/feed.xml"
    assert parse_feed((CORPUS / "no-guid.xml").read_bytes(), FEED).new_feed_url is None


def test_new_feed_url_naming_the_feed_itself_or_no_http_url_is_ignored() -> None:
    body = (CORPUS / "new-feed-url.xml").read_bytes()
    itself = body.replace(b"https://new.example.org/feed.xml", FEED.encode())
    not_http = body.replace(b"https://new.example.org/feed.xml", b"ftp://x/feed")
    assert parse_feed(itself, FEED).new_feed_url is None
    assert parse_feed(not_http, FEED).new_feed_url is None


def test_the_readable_publisher_transcript_is_kept_with_its_type() -> None:
    episodes = parse_feed((CORPUS / "podcast-transcript.xml").read_bytes(), FEED)
    offered = [(e.transcript_url, e.transcript_type) for e in episodes.episodes]
    assert offered == [(f"{CDN}/transcript-1.vtt", "text/vtt"), (None, None)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("refused-entity-bomb.xml", "declares XML entities"),
        ("refused-external-entity.xml", "declares XML entities"),
        ("refused-html-page.html", "not well-formed XML"),
        ("refused-opml.xml", r"not RSS 2.0 or Atom \(root element <opml>\)"),
        ("refused-json-feed.json", "not well-formed XML"),
    ],
)
def test_hostile_documents_and_non_feeds_are_refused(name: str, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed((CORPUS / name).read_bytes(), FEED)


def test_an_html_page_that_is_well_formed_is_still_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><body><p>Moved&nbsp;away</p></body></html>"
    with pytest.raises(FeedParseError, match="root element <html>"):
        parse_feed(page, FEED)


def test_repair_leaves_cdata_and_comments_alone() -> None:
    body = (
        b"<rss><!-- a & b --><channel>"
        b"<title><![CDATA[Q&A &nbsp;]]></title></channel></rss>"
    )
    text = repair(body).decode()
    assert "<!-- a & b -->" in text
    assert "<![CDATA[Q&A &nbsp;]]>" in text


def test_repair_declares_only_the_missing_prefixes_on_the_root() -> None:
    body = (
        b'<rss xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        b"<media:title>m</media:title><itunes:author>a</itunes:author>"
        b'<item><enclosure x:unknown="1" url="u"/></item></channel></rss>'
    )
    root_tag = repair(body).decode().split("\n", 1)[1].split(">", 1)[0]
    assert root_tag == (
        '<rss xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        ' xmlns:x="urn:undeclared:x"'
    )


def test_decode_prefers_the_byte_order_mark_over_a_wrong_declaration() -> None:
    body = (
        b"\xef\xbb\xbf"
        + '<?xml version="1.0" encoding="ISO-8859-1"?><rss>é</rss>'.encode()
    )
    assert decode(body).endswith("<rss>é</rss>")


@pytest.mark.parametrize(
    ("body", "kind", "text"),
    [
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nHello\nthere\n\n2\n00:00:03,000 --> "
            b"00:00:04,000\nagain",
            "application/x-subrip",
            "Hello there again",
        ),
        (
            b'{"version": "1.0.0", "segments": [{"body": "Hi"}, {"body": "you"}]}',
            "application/json",
            "Hi you",
        ),
        (b"<html><body><p>Said</p><p>this</p></body></html>", "text/html", "Said this"),
        (b"\xef\xbb\xbfJust  text\n", "text/plain", "Just text"),
    ],
)
def test_publisher_transcripts_become_plain_text(
    body: bytes, kind: str, text: str
) -> None:
    assert transcript_text(body, kind) == text


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (b"{not json", "application/json", "not valid application/json"),
        (b'{"segments": 3}', "application/json", "no segments list"),
        (b"WEBVTT\n\nNOTE only a note\n", "text/vtt", "has no text"),
    ],
)
def test_unreadable_publisher_transcripts_are_refused(
    body: bytes, kind: str, message: str
) -> None:
    with pytest.raises(TranscriptFetchError, match=message):
        transcript_text(body, kind)
