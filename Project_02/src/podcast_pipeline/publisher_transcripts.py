"""Transcripts a publisher offers (``<podcast:transcript>``), read as plain text.

The Podcasting 2.0 namespace lets a feed link each episode's transcript as
WebVTT, SubRip, its JSON format, HTML or plain text. The publisher's own
transcript is better than speech-to-text and costs one small GET, so the
transcription step stores it (with its URL as the source) unless asked for ours.
"""

from __future__ import annotations

import json
import logging
import re

import requests

from podcast_pipeline.errors import InputError, TranscriptFetchError
from podcast_pipeline.feeds import USER_AGENT, check_feed_url
from podcast_pipeline.rss import strip_html

logger = logging.getLogger(__name__)

MAX_TRANSCRIPT_BYTES = 10 * 2**20
TIMEOUT = (10.0, 30.0)  # connect, read (seconds)
_CUE_TIMING = re.compile(r"-->")
_BLOCKS = re.compile(r"\n\s*\n")


def _cues_text(text: str) -> str:
    """The spoken text of WebVTT or SubRip cues: timings, numbers, notes dropped."""
    spoken: list[str] = []
    for block in _BLOCKS.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip().split("\n")
        timing = next(
            (n for n, line in enumerate(lines) if _CUE_TIMING.search(line)), None
        )
        if timing is not None:  # header, NOTE, STYLE and REGION blocks have none
            spoken.extend(lines[timing + 1 :])
    return strip_html(" ".join(spoken))


def _json_text(text: str) -> str:
    """The bodies of the Podcasting 2.0 JSON transcript's segments, in order."""
    document = json.loads(text)
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise TranscriptFetchError("JSON transcript has no segments list")
    return strip_html(
        " ".join(
            str(segment.get("body") or "")
            for segment in segments
            if isinstance(segment, dict)
        )
    )


def transcript_text(body: bytes, kind: str) -> str:
    """Plain text of a transcript document of MIME type ``kind``.

    Raises:
        TranscriptFetchError: The document is not of that type, or says nothing.
    """
    text = body.decode("utf-8-sig", errors="replace")
    try:
        if kind in {"text/vtt", "application/x-subrip", "application/srt"}:
            plain = _cues_text(text)
        elif kind == "application/json":
            plain = _json_text(text)
        else:  # text/html, text/plain (strip_html leaves plain text as it is)
            plain = strip_html(text)
    except (ValueError, AttributeError) as error:
        raise TranscriptFetchError(
            f"transcript is not valid {kind}: {error}"
        ) from error
    if not plain:
        raise TranscriptFetchError(f"transcript ({kind}) has no text")
    return plain


def fetch_transcript(session: requests.Session, url: str, kind: str) -> str:
    """GET a publisher's transcript and return its plain text.

    Raises:
        TranscriptFetchError: Not http(s), unreachable, an HTTP error, larger
            than :data:`MAX_TRANSCRIPT_BYTES`, or not readable as ``kind``.
    """
    try:
        check_feed_url(url)
    except InputError as error:
        raise TranscriptFetchError(str(error)) from error
    chunks: list[bytes] = []
    size = 0
    try:
        with session.get(
            url, headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT, stream=True
        ) as response:
            response.raise_for_status()
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_TRANSCRIPT_BYTES:
                    raise TranscriptFetchError(
                        f"transcript {url} is larger than {MAX_TRANSCRIPT_BYTES} bytes"
                    )
                chunks.append(chunk)
    except requests.RequestException as error:
        raise TranscriptFetchError(f"transcript {url}: {error}") from error
    return transcript_text(b"".join(chunks), kind)
