"""Download one audio file: complete and verified, or not at all."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from podcast_pipeline.errors import DiskSpaceError, DownloadError, DownloadRefusedError
from podcast_pipeline.feeds import USER_AGENT
from podcast_pipeline.retry import (
    RETRYABLE_STATUS,
    TRANSIENT_ERRORS,
    RetryableError,
    RetryPolicy,
    call_with_retries,
    describe_error,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
AUDIO_TYPES = ("audio/", "application/ogg", "application/octet-stream")


@dataclass(frozen=True)
class DownloadPolicy:
    """Limits and retries for audio downloads.

    Attributes:
        retry: Attempts, backoff, timeouts and time budget per file.
        max_bytes: Files above this size are refused.
        min_free_bytes: Free disk space to leave after a download.
        chunk_bytes: Streaming chunk size.
    """

    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_total_seconds=1800.0)
    )
    max_bytes: int = 1024 * 2**20
    min_free_bytes: int = 256 * 2**20
    chunk_bytes: int = 256 * 1024


@dataclass(frozen=True)
class DownloadedFile:
    """A completed download.

    Attributes:
        path: The final file (renamed into place).
        size: Its size in bytes.
        sha256: Its SHA-256 hex digest.
        attempts: HTTP attempts it took.
        bytes_transferred: Body bytes received over all attempts.
    """

    path: Path
    size: int
    sha256: str
    attempts: int
    bytes_transferred: int


def check_audio_url(url: str) -> None:
    """Refuse URLs that are not http(s) with a host (``file://``, ``ftp://``, ...)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise DownloadRefusedError(f"refused non-http(s) audio URL {url!r}")


def _is_audio(content_type: str) -> bool:
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    return media_type.startswith(AUDIO_TYPES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


class _Transfer:  # pylint: disable=too-few-public-methods
    """The state of one file's download across attempts."""

    def __init__(
        self, session: requests.Session, url: str, target: Path, policy: DownloadPolicy
    ) -> None:
        self.session = session
        self.url = url
        self.target = target
        self.partial = target.with_name(target.name + ".part")
        self.policy = policy
        self.bytes_transferred = 0
        # A server that drips bytes never trips the read timeout: bound the total.
        self.deadline = time.monotonic() + policy.retry.max_total_seconds

    def _expected_total(self, response: requests.Response, offset: int) -> int | None:
        """Total file size from the response; -1 means the range did not match."""
        if response.status_code == requests.codes.partial_content:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                return -1
            return None if match.group(3) == "*" else int(match.group(3))
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None

    def _check_space(self, needed: int) -> None:
        free = shutil.disk_usage(self.partial.parent).free
        if free < needed + self.policy.min_free_bytes:
            raise DiskSpaceError(
                f"not enough free disk in {self.partial.parent}: {free} bytes free, "
                f"{needed} needed plus {self.policy.min_free_bytes} kept free"
            )

    def attempt(self, _number: int) -> None:
        """One GET (resuming the partial file); RetryableError if worth repeating."""
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        offset = self.partial.stat().st_size if self.partial.exists() else 0
        headers = {"User-Agent": USER_AGENT, "Accept": "audio/*, */*;q=0.1"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self.session.get(
                self.url,
                headers=headers,
                timeout=self.policy.retry.timeout,
                stream=True,
            ) as response:
                self._receive(response, offset)
        except TRANSIENT_ERRORS as error:
            raise RetryableError(describe_error(error)) from error
        except requests.exceptions.InvalidSchema as error:
            raise DownloadRefusedError(
                f"refused redirect of {self.url}: {error}"
            ) from error
        except requests.RequestException as error:
            raise DownloadError(f"{self.url}: {describe_error(error)}") from error

    def _receive(self, response: requests.Response, offset: int) -> None:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise RetryableError(
                f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After"))
            )
        if status == requests.codes.requested_range_not_satisfiable and offset:
            self.partial.unlink(missing_ok=True)
            raise RetryableError("HTTP 416 for the resume range; restarting")
        if status not in {requests.codes.ok, requests.codes.partial_content}:
            raise DownloadError(f"{self.url} answered HTTP {status}")
        content_type = response.headers.get("Content-Type", "")
        if not _is_audio(content_type):
            raise DownloadRefusedError(
                f"{self.url} is not audio (Content-Type {content_type!r})"
            )
        if status == requests.codes.ok:
            offset = 0  # the server ignored Range (or there was none): start over
        total = self._expected_total(response, offset)
        if total == -1:
            self.partial.unlink(missing_ok=True)
            raise RetryableError("Content-Range does not continue the partial file")
        if total is not None and total > self.policy.max_bytes:
            raise DownloadRefusedError(
                f"{self.url} is {total} bytes, above the {self.policy.max_bytes} cap"
            )
        self._check_space((total or 0) - offset)
        self._stream(response, offset, total)

    def _stream(
        self, response: requests.Response, offset: int, total: int | None
    ) -> None:
        size = offset
        with self.partial.open("ab" if offset else "wb") as sink:
            for chunk in response.iter_content(self.policy.chunk_bytes):
                if time.monotonic() > self.deadline:
                    raise DownloadError(
                        f"{self.url}: still incomplete after the "
                        f"{self.policy.retry.max_total_seconds:.0f} s budget "
                        f"({size} bytes kept for the next run)"
                    )
                size += len(chunk)
                self.bytes_transferred += len(chunk)
                if size > self.policy.max_bytes:
                    sink.close()
                    self.partial.unlink(missing_ok=True)
                    raise DownloadRefusedError(
                        f"{self.url} exceeds the {self.policy.max_bytes} byte cap"
                    )
                sink.write(chunk)
        if total is not None and size != total:
            if size > total:
                self.partial.unlink(missing_ok=True)
            raise RetryableError(f"incomplete body: {size} of {total} bytes")
        if total is None:
            logger.warning(
                "%s sent no length; accepting %d bytes at EOF", self.url, size
            )


def download_file(
    session: requests.Session,
    url: str,
    target: Path,
    policy: DownloadPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadedFile:
    """Stream ``url`` to ``target`` via ``target.part``, resuming with ``Range``.

    The partial file is renamed onto ``target`` only once its size matches the
    announced length, so ``target`` is always a complete file or absent. A
    partial file is kept between attempts (and runs) for resuming.

    Args:
        session: The HTTP session (one per thread).
        url: The enclosure URL.
        target: The final path (see :func:`podcast_pipeline.paths.episode_audio_path`).
        policy: Limits, timeouts and retries.
        sleep: Waits between attempts (tests pass a recorder).

    Returns:
        The completed file's path, size and checksum.

    Raises:
        DownloadRefusedError: Not http(s), above the size cap, or not audio.
        DiskSpaceError: Not enough free disk space.
        DownloadError: Still failing after the allowed attempts or time.
    """
    check_audio_url(url)
    transfer = _Transfer(session, url, target, policy)
    attempts = 0

    def attempt(number: int) -> None:
        nonlocal attempts
        attempts = number
        transfer.attempt(number)

    try:
        call_with_retries(
            attempt,
            policy.retry,
            what=f"download of {url}",
            error_type=DownloadError,
            sleep=sleep,
        )
    except DownloadRefusedError:
        transfer.partial.unlink(missing_ok=True)  # never worth resuming
        raise
    transfer.partial.replace(target)  # atomic on one file system
    size = target.stat().st_size
    logger.info("Downloaded %s (%d bytes, %d attempts)", target.name, size, attempts)
    return DownloadedFile(
        path=target,
        size=size,
        sha256=_sha256(target),
        attempts=attempts,
        bytes_transferred=transfer.bytes_transferred,
    )
