"""Parse RSS 2.0 and Atom feeds (iTunes tags, Media RSS) into Episode records.

A body is first repaired as loose feed readers do (:mod:`podcast_pipeline.feed_repair`:
encodings, HTML entities, undeclared prefixes), then goes through defusedxml:
malformed XML, entity declarations (expansion bombs, external entities) and
documents that are neither RSS nor Atom are refused before feedparser (the
maintained parser that reads the many shapes feeds come in) sees them.
"""

from __future__ import annotations

import calendar
import email.utils
import html
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from podcast_pipeline.errors import FeedParseError
from podcast_pipeline.feed_repair import KNOWN_NAMESPACES, repair
from podcast_pipeline.models import Episode, ParsedFeed

logger = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
NEW_FEED_URL = f"{{{KNOWN_NAMESPACES['itunes']}}}new-feed-url"
TRANSCRIPT = f"{{{KNOWN_NAMESPACES['podcast']}}}transcript"
#: Transcript formats read, in order of preference (each becomes plain text).
TRANSCRIPT_TYPES = (
    "text/plain",
    "text/vtt",
    "application/x-subrip",
    "application/srt",
    "application/json",
    "text/html",
)
_SPACES = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, skipping scripts and styles."""

    _SKIPPED = frozenset({"script", "style"})
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(
        self,
        tag: str,
        attrs: list[tuple[str, str | None]],  # noqa: ARG002  (HTMLParser API)
    ) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(fragment: str) -> str:
    """Return the plain text of an HTML fragment, whitespace collapsed.

    Args:
        fragment: HTML (or plain text) as found in a feed description.

    Returns:
        The visible text, entities decoded, on one line.
    """
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return _SPACES.sub(" ", html.unescape("".join(extractor.parts))).strip()


def to_iso_utc(date_text: str | None) -> str | None:
    """Convert an RFC 822 date (or ISO 8601) to ISO 8601 UTC, e.g. ``...T10:00:00Z``.

    Args:
        date_text: The ``pubDate`` text; None or unparsable gives None.

    Returns:
        The UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` or None.
    """
    if not date_text or not date_text.strip():
        return None
    text = date_text.strip()
    parsed: datetime | None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            logger.debug("Unparsable date %r", text)
            return None
    if parsed.tzinfo is None:  # RFC 822 "-0000" / no zone: UTC by convention
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve(base: str, url: str) -> str:
    """``url`` made absolute against ``base``; an unparsable URL is kept as it is.

    The download step refuses an unparsable URL with its own clear error.
    """
    try:
        return urljoin(base, url)
    except ValueError:
        return url


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _is_audio(media: Mapping[str, Any]) -> bool:
    kind = str(media.get("type") or "")
    return kind.startswith("audio/") or media.get("medium") == "audio"


def _audio_of(
    entry: Mapping[str, Any], feed_url: str
) -> tuple[str | None, str | None, int | None]:
    """URL, type and length of the entry's audio: enclosures, then media:content.

    A relative URL (``xml:base`` already applied by feedparser) is resolved
    against the feed's own URL.
    """
    enclosures = [
        {
            "url": link.get("href"),
            "type": link.get("type"),
            "length": link.get("length"),
        }
        for link in entry.get("enclosures", [])
    ]
    media = [
        {**item, "length": item.get("filesize") or item.get("fileSize")}
        for item in entry.get("media_content", [])
    ]
    for candidates in (enclosures, media):
        usable = [item for item in candidates if str(item.get("url") or "").strip()]
        if usable:
            chosen = next((item for item in usable if _is_audio(item)), usable[0])
            return (
                resolve(feed_url, str(chosen["url"]).strip()),
                chosen.get("type") or None,
                _int_or_none(chosen.get("length")),
            )
    return None, None, None


def _published(entry: Mapping[str, Any]) -> str | None:
    for key in ("published", "updated"):
        parsed = entry.get(f"{key}_parsed")
        if parsed is not None:
            moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if entry.get(key):
            return to_iso_utc(str(entry[key]))
    return None


def _description(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content", []):
        if content.get("value"):
            return strip_html(str(content["value"]))
    return strip_html(str(entry.get("summary") or ""))


def _file_title(audio_url: str | None) -> str:
    """A title from an audio file name: ``.../Episode%2042.mp3`` is ``Episode 42``."""
    if not audio_url:
        return ""
    name = PurePosixPath(unquote(urlsplit(audio_url).path)).name
    return PurePosixPath(name).stem if PurePosixPath(name).suffix else name


def _media_type(declared: str | None) -> str:
    """``text/VTT; charset=utf-8`` gives ``text/vtt``."""
    return str(declared or "").split(";", maxsplit=1)[0].strip().lower()


def _transcript_of(
    item: Element | None, feed_url: str
) -> tuple[str | None, str | None]:
    """URL and type of the best ``<podcast:transcript>`` of an item, if any."""
    offered = [
        (_media_type(tag.get("type")), tag.get("url"))
        for tag in (item.iter(TRANSCRIPT) if item is not None else ())
        if str(tag.get("url") or "").strip()
    ]
    readable = [(kind, url) for kind, url in offered if kind in TRANSCRIPT_TYPES]
    if not readable:
        return None, None
    kind, url = min(readable, key=lambda offer: TRANSCRIPT_TYPES.index(offer[0]))
    return resolve(feed_url, str(url).strip()), kind


def _parse_entry(
    entry: Mapping[str, Any], item: Element | None, feed_url: str, base: str
) -> Episode | None:
    audio_url, audio_type, audio_bytes = _audio_of(entry, base)
    link = str(entry.get("link") or "").strip() or None
    link = resolve(base, link) if link else None
    guid = str(entry.get("id") or "").strip() or audio_url or link
    title = strip_html(str(entry.get("title") or "")) or _file_title(audio_url)
    if guid is None:
        logger.warning(
            "Skipping item %r of %s: no guid, enclosure or link", title, feed_url
        )
        return None
    transcript_url, transcript_type = _transcript_of(item, base)
    return Episode(
        feed_url=feed_url,
        guid=guid,
        title=title or link or guid,
        link=link,
        description=_description(entry),
        published_at=_published(entry),
        audio_url=audio_url,
        audio_type=audio_type,
        audio_declared_bytes=audio_bytes,
        duration=str(entry.get("itunes_duration") or "").strip() or None,
        transcript_url=transcript_url,
        transcript_type=transcript_type,
    )


def _check_safe_and_known(body: bytes, feed_url: str) -> Element:
    """The document's root; hostile, malformed XML and non-feeds are refused."""
    try:
        root = defusedxml.ElementTree.fromstring(body)
    except DefusedXmlException as error:
        raise FeedParseError(
            f"feed {feed_url} refused: it declares XML entities "
            f"({type(error).__name__})"
        ) from error
    except ParseError as error:
        raise FeedParseError(
            f"feed {feed_url} is not well-formed XML: {error}"
        ) from error
    is_rss = root.tag == "rss" and root.find("channel") is not None
    if not is_rss and root.tag != f"{ATOM}feed":
        raise FeedParseError(
            f"feed {feed_url} is not RSS 2.0 or Atom (root element <{root.tag}>)"
        )
    return root


def _items(root: Element) -> list[Element]:
    if root.tag == "rss":
        return root.findall("channel/item")
    return root.findall(f"{ATOM}entry")


def _new_feed_url(root: Element, feed_url: str) -> str | None:
    """The ``<itunes:new-feed-url>`` of an RSS channel, if it names an http(s) URL."""
    text = (root.findtext(f"channel/{NEW_FEED_URL}") or "").strip()
    if not text:
        return None
    moved = resolve(feed_url, text)
    if urlsplit(moved).scheme not in {"http", "https"} or moved == feed_url:
        if moved != feed_url:
            logger.warning("Feed %s: ignoring new-feed-url %r", feed_url, text)
        return None
    return moved


def parse_feed(
    body: bytes, feed_url: str, *, base_url: str | None = None
) -> ParsedFeed:
    """Parse an RSS 2.0 or Atom document into episodes, one per distinct guid.

    Audio comes from ``<enclosure>`` (RSS), ``<link rel="enclosure">`` (Atom) or
    ``<media:content>`` (Media RSS), an audio type preferred; relative URLs are
    resolved (``xml:base``, else the feed's URL). Items without a guid/id are
    keyed by their audio URL, then their link; items without a title are
    titled after their audio file; the first item of a duplicated guid wins
    (feeds list the newest first). A ``<podcast:transcript>`` is kept with its
    type, and ``<itunes:new-feed-url>`` is returned.

    Args:
        body: The raw feed bytes.
        feed_url: The feed's URL, recorded on every episode.
        base_url: The URL the body was read from, if not ``feed_url``: relative
            URLs are resolved against it.

    Returns:
        The episodes in feed order, and the URL the feed moved to, if any.

    Raises:
        FeedParseError: Malformed XML, entity declarations (expansion attacks,
            external entities) or a document that is neither RSS nor Atom.
    """
    base = base_url or feed_url
    body = repair(body)
    root = _check_safe_and_known(body, feed_url)
    # Imported here: feedparser is only needed once a body is to be parsed.
    import feedparser  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    # No base URL for feedparser: it would resolve guids as URLs too. It
    # applies xml:base; _parse_entry resolves what is still relative.
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    items: list[Element | None] = list(_items(root))
    if len(items) != len(parsed.entries):  # never seen: feedparser reads more
        items = [None] * len(parsed.entries)
    episodes: dict[str, Episode] = {}
    for entry, item in zip(parsed.entries, items, strict=True):
        episode = _parse_entry(entry, item, feed_url, base)
        if episode is None:
            continue
        if episode.guid in episodes:
            logger.warning(
                "Duplicate guid %r in %s: keeping the first", episode.guid, feed_url
            )
            continue
        episodes[episode.guid] = episode
    logger.info("Parsed %d episodes from %s", len(episodes), feed_url)
    return ParsedFeed(list(episodes.values()), _new_feed_url(root, base))
