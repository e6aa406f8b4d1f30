"""Parse RSS 2.0 (with iTunes tags) into Episode records, refusing hostile XML."""

from __future__ import annotations

import email.utils
import html
import logging
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from podcast_pipeline.errors import FeedParseError
from podcast_pipeline.models import Episode

logger = logging.getLogger(__name__)

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
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


def _text(item: Element, tag: str) -> str | None:
    found = item.find(tag)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _parse_item(item: Element, feed_url: str) -> Episode | None:
    enclosure = item.find("enclosure")
    audio_url = None
    if enclosure is not None:
        audio_url = (enclosure.get("url") or "").strip() or None
    link = _text(item, "link")
    guid = _text(item, "guid") or audio_url or link
    title = strip_html(_text(item, "title") or "")
    if guid is None:
        logger.warning(
            "Skipping item %r of %s: no guid, enclosure or link", title, feed_url
        )
        return None
    description = (
        _text(item, "description")
        or _text(item, f"{ITUNES}summary")
        or _text(item, f"{CONTENT}encoded")
        or ""
    )
    return Episode(
        feed_url=feed_url,
        guid=guid,
        title=title or guid,
        link=link,
        description=strip_html(description),
        published_at=to_iso_utc(_text(item, "pubDate")),
        audio_url=audio_url,
        audio_type=enclosure.get("type") if enclosure is not None else None,
        audio_declared_bytes=(
            _int_or_none(enclosure.get("length")) if enclosure is not None else None
        ),
        duration=_text(item, f"{ITUNES}duration"),
    )


def parse_feed(body: bytes, feed_url: str) -> list[Episode]:
    """Parse an RSS 2.0 document into episodes, one per distinct guid.

    Items without a guid are keyed by their enclosure URL, then their link; the
    first item of a duplicated guid wins (feeds list the newest first).

    Args:
        body: The raw feed bytes.
        feed_url: The feed's URL, recorded on every episode.

    Returns:
        The episodes in feed order.

    Raises:
        FeedParseError: Malformed XML, entity declarations (expansion attacks,
            external entities) or a document that is not RSS.
    """
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
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedParseError(
            f"feed {feed_url} is not RSS 2.0 (root element <{root.tag}>, no <channel>)"
        )
    episodes: dict[str, Episode] = {}
    for item in channel.iter("item"):
        episode = _parse_item(item, feed_url)
        if episode is None:
            continue
        if episode.guid in episodes:
            logger.warning(
                "Duplicate guid %r in %s: keeping the first", episode.guid, feed_url
            )
            continue
        episodes[episode.guid] = episode
    logger.info("Parsed %d episodes from %s", len(episodes), feed_url)
    return list(episodes.values())
