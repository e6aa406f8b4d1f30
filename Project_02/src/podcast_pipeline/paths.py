"""Safe local file names for downloads: a URL can never write outside the data dir."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from podcast_pipeline.errors import DownloadRefusedError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_AUDIO_SUFFIXES = frozenset(
    {".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac"}
)


def _slug(text: str, limit: int) -> str:
    return _UNSAFE.sub("_", text).strip("._-")[:limit]


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def feed_directory_name(feed_url: str) -> str:
    """A directory name for a feed: host and path slug plus a hash for uniqueness."""
    parts = urlsplit(feed_url)
    return f"{_slug(parts.netloc + parts.path, 48) or 'feed'}-{_short_hash(feed_url)}"


def audio_file_name(guid: str, audio_url: str) -> str:
    """A file name for an episode: a hash of its guid and the URL's last segment.

    Only the last path segment of the URL is used, percent-decoded and reduced to
    ``[A-Za-z0-9._-]``, so ``../../x.mp3`` becomes ``x.mp3``; the guid hash keeps
    episodes with the same file name apart.
    """
    segment = _slug(PurePosixPath(unquote(urlsplit(audio_url).path)).name, 120)
    extension = PurePosixPath(segment).suffix.lower()
    if extension in _AUDIO_SUFFIXES:
        segment = segment[: -len(extension)]
    else:
        extension = ".mp3"
    stem = _slug(segment, 80) or "episode"
    return f"{_short_hash(guid)}-{stem}{extension}"


def episode_audio_path(
    audio_dir: Path, feed_url: str, guid: str, audio_url: str
) -> Path:
    """Where an episode's audio goes, checked to lie inside ``audio_dir``.

    Raises:
        DownloadRefusedError: The path would leave the directory (defence in depth).
    """
    root = audio_dir.resolve()
    target = (
        root / feed_directory_name(feed_url) / audio_file_name(guid, audio_url)
    ).resolve()
    if not target.is_relative_to(root):
        raise DownloadRefusedError(f"unsafe file name for {audio_url!r}")
    return target
