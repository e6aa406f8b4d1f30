"""Typed records that flow between the pipeline steps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Episode:  # pylint: disable=too-many-instance-attributes  # one per feed field
    """One feed item, parsed and cleaned, ready to be stored.

    Attributes:
        feed_url: The feed the item came from (part of the key).
        guid: The item's identifier within the feed (part of the key).
        title: Plain-text title.
        link: The episode's web page, if any.
        description: Plain-text description (HTML stripped).
        published_at: ISO 8601 UTC time (``2024-01-02T03:04:05Z``) or None.
        audio_url: The enclosure URL, or None when the item has no enclosure.
        audio_type: The enclosure's declared MIME type, if any.
        audio_declared_bytes: The enclosure's declared length, if any.
        duration: The ``itunes:duration`` text, if any.
    """

    feed_url: str
    guid: str
    title: str
    link: str | None = None
    description: str = ""
    published_at: str | None = None
    audio_url: str | None = None
    audio_type: str | None = None
    audio_declared_bytes: int | None = None
    duration: str | None = None


@dataclass(frozen=True)
class FeedValidators:
    """What a conditional GET sends back: the ETag and Last-Modified last seen."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one feed.

    Attributes:
        feed_url: The feed URL.
        not_modified: True when the server answered 304 (nothing to parse).
        body: The raw feed bytes (empty when not modified).
        validators: The validators to store once the body has been stored.
        bytes_received: Bytes of body transferred.
    """

    feed_url: str
    not_modified: bool
    body: bytes
    validators: FeedValidators
    bytes_received: int
