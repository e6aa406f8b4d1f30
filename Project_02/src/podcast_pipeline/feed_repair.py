"""Bring a feed body to well-formed UTF-8 XML, as podcast apps' loose readers do.

Real feeds are often not XML a strict parser accepts: no XML declaration or one
after blank lines, a byte-order mark, a declared encoding that is not UTF-8 (or
a wrong one), HTML entities such as ``&nbsp;``, bare ``&`` in titles, and the
``itunes:`` prefix used without its ``xmlns:itunes`` declaration. feedparser's
loose mode, gPodder and Apple Podcasts read all of these. :func:`repair` fixes
exactly these faults (nothing else), so that the strict, defused parse that
follows can still refuse what must be refused: entity definitions (expansion
bombs), external entities, documents that are not feeds.
"""

from __future__ import annotations

import codecs
import html.entities
import logging
import re

logger = logging.getLogger(__name__)

#: Namespaces podcast feeds use, for prefixes a feed uses without declaring them.
KNOWN_NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "googleplay": "http://www.google.com/schemas/play-podcasts/1.0",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "psc": "http://podlove.org/simple-chapters",
    "spotify": "http://www.spotify.com/ns/rss",
}
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_BOMS = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']"""
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Markup whose content is not to be touched: CDATA sections and comments.
_OPAQUE = re.compile(r"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)", re.DOTALL)
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#x[0-9A-Fa-f]+;|[A-Za-z_][\w.-]*;)")
_NAME = r"[A-Za-z_][\w.-]*"
_ELEMENT_PREFIX = re.compile(rf"</?({_NAME}):{_NAME}")
_ATTRIBUTE_PREFIX = re.compile(rf"\s({_NAME}):{_NAME}\s*=\s*[\"']")
_ROOT_START = re.compile(
    rf"<(?![?!])({_NAME}(?::{_NAME})?)((?:\s+[^\s=>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
)
_DECLARED_PREFIX = re.compile(rf"\bxmlns:({_NAME})\s*=")


def decode(body: bytes) -> str:
    """The feed's text: byte-order mark, else declared encoding, else UTF-8.

    A declared encoding that cannot decode the body (feeds lie about it), or
    is unknown, gives way to UTF-8 and then Windows-1252, the encoding an
    undeclared non-UTF-8 feed is almost always in (the WHATWG rule for Latin-1).
    """
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return body[len(mark) :].decode(encoding, errors="replace")
    declared = _DECLARED_ENCODING.match(body)
    candidates = [declared.group(1).decode("ascii")] if declared else []
    for encoding in [*candidates, "utf-8", "windows-1252"]:
        try:
            text = body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
        if text.lstrip().startswith("<"):
            if candidates and encoding != candidates[0]:
                logger.warning(
                    "Feed declares encoding %s but is not in it: read as %s",
                    candidates[0],
                    encoding,
                )
            return text
    return body.decode("latin-1")  # every byte is a character: let the parser judge


def _fix_references(text: str) -> str:
    """HTML named entities to character references; a bare ``&`` to ``&amp;``."""

    def numeric(match: re.Match[str]) -> str:
        name = match.group(1)
        code = html.entities.name2codepoint.get(name)
        if name in _XML_ENTITIES or code is None:
            return match.group(0)
        return f"&#{code};"

    parts = _OPAQUE.split(text)
    for index in range(0, len(parts), 2):  # odd indexes are CDATA and comments
        parts[index] = _BARE_AMPERSAND.sub("&amp;", _ENTITY.sub(numeric, parts[index]))
    return "".join(parts)


def _declare_prefixes(text: str) -> str:
    """Declare on the root element the prefixes used but never declared there."""
    root = _ROOT_START.search(text)
    if root is None:
        return text
    markup = "".join(_OPAQUE.split(text)[::2])
    used = set(_ELEMENT_PREFIX.findall(markup)) | set(_ATTRIBUTE_PREFIX.findall(markup))
    missing = sorted(
        used - {"xml", "xmlns"} - set(_DECLARED_PREFIX.findall(root.group(0)))
    )
    if not missing:
        return text
    logger.info("Feed uses undeclared namespace prefixes: %s", ", ".join(missing))
    declarations = "".join(
        f' xmlns:{prefix}="{KNOWN_NAMESPACES.get(prefix, f"urn:undeclared:{prefix}")}"'
        for prefix in missing
    )
    return text[: root.end()] + declarations + text[root.end() :]


def repair(body: bytes) -> bytes:
    """The body as UTF-8 XML with an XML declaration, its loose-reader faults fixed.

    Args:
        body: The raw feed bytes, in whatever encoding they came.

    Returns:
        UTF-8 bytes starting with ``<?xml version="1.0" encoding="utf-8"?>``,
        HTML entities turned into character references, bare ampersands escaped
        and undeclared namespace prefixes declared. A DOCTYPE, with its entity
        declarations if any, is kept as it is, for the defused parser to judge.
    """
    text = _XML_DECLARATION.sub("", decode(body), count=1).lstrip()
    text = _declare_prefixes(_fix_references(text))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text.encode("utf-8")
