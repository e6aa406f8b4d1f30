"""Generated test media: MP3 audio written with soundfile, RSS documents."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import soundfile


def make_mp3(
    seconds: float, *, frequency: float = 440.0, sample_rate: int = 16000
) -> bytes:
    """A mono sine tone encoded as MP3 (libsndfile's MP3 writer)."""
    times = np.arange(int(seconds * sample_rate)) / sample_rate
    # A little noise keeps the encoder from compressing the tone to almost nothing.
    rng = np.random.default_rng(7)
    signal = 0.3 * np.sin(2 * np.pi * frequency * times) + 0.05 * rng.standard_normal(
        times.size
    )
    buffer = io.BytesIO()
    soundfile.write(buffer, signal.astype(np.float32), sample_rate, format="MP3")
    return buffer.getvalue()


@dataclass(frozen=True)
class Item:
    """One RSS item; None leaves the element out."""

    title: str
    guid: str | None = None
    audio_url: str | None = None
    link: str | None = None
    description: str = ""
    pub_date: str | None = "Tue, 02 Jan 2024 10:00:00 -0500"
    length: int | None = None


def rss(items: Sequence[Item], title: str = "Test podcast") -> bytes:
    """An RSS 2.0 document with iTunes tags for ``items``."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">',
        f"<channel><title>{escape(title)}</title>",
    ]
    for item in items:
        parts.append(f"<item><title>{escape(item.title)}</title>")
        if item.guid is not None:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.link is not None:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.pub_date is not None:
            parts.append(f"<pubDate>{escape(item.pub_date)}</pubDate>")
        parts.append(f"<description>{escape(item.description)}</description>")
        parts.append("<itunes:duration>00:01:00</itunes:duration>")
        if item.audio_url is not None:
            length = f" length={quoteattr(str(item.length))}" if item.length else ""
            url = quoteattr(item.audio_url)
            parts.append(f'<enclosure url={url}{length} type="audio/mpeg"/>')
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>
"""
