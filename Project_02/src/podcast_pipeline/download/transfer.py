"""Download one audio file: complete and verified, or not at all.

A dropped transfer is resumed only with a validator: ``If-Range`` carries the
ETag (or Last-Modified) of the response the partial file came from, saved beside
it in ``NAME.part.validator``. The resumed range starts one byte *before* the
end of the partial file (RFC 9110 §14.2: ``bytes=N-1-``), so it is satisfiable
even when the partial file is already complete (a worker killed between the
last byte and the rename): the server answers ``206`` with that byte instead of
``416``, and the byte it sends again must equal the one kept. A ``200`` answer
(the file changed, or the server ignores ``Range``), a ``206`` whose
``Content-Range`` does not start at the requested byte, whose ETag differs or
whose first byte differs, or a partial file without a validator all restart
from byte 0: two versions of a file are never spliced together.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
import urllib3

from podcast_pipeline.errors import DiskSpaceError, DownloadError, DownloadRefusedError
from podcast_pipeline.feeds import USER_AGENT
from podcast_pipeline.models import DownloadedFile
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
# Gone for good: never retried (other 4xx may be temporary: auth, geo-blocking).
PERMANENT_STATUS = frozenset({404, 410})


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


def check_audio_url(url: str) -> None:
    """Refuse URLs that are not http(s) with a host, or that cannot be parsed.

    Raises:
        DownloadRefusedError: ``file://``, ``ftp://``, no host, ``http://[oops/x``.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise DownloadRefusedError(
            f"refused unparsable audio URL {url!r} ({error})"
        ) from error
    if parts.scheme not in {"http", "https"} or not host:
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


def _validator_of(response: requests.Response) -> str | None:
    """The value ``If-Range`` may carry: a strong ETag, else Last-Modified."""
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return response.headers.get("Last-Modified") or None


class _Transfer:  # pylint: disable=too-many-instance-attributes  # one file's state
    """The state of one file's download across attempts."""

    def __init__(
        self,
        session: requests.Session,
        url: str,
        target: Path,
        policy: DownloadPolicy,
        stop: threading.Event | None = None,
    ) -> None:
        self.session = session
        self.url = url
        self.target = target
        self.partial = target.with_name(target.name + ".part")
        self.validator_file = target.with_name(target.name + ".part.validator")
        self.policy = policy
        self.stop = stop or threading.Event()
        self.bytes_transferred = 0
        # A server that drips bytes never trips the read timeout: bound the total.
        # Every read returns within one read timeout, so the bound holds to that.
        self.deadline = time.monotonic() + policy.retry.max_total_seconds

    def discard(self) -> None:
        """Delete the partial file and its validator."""
        self.partial.unlink(missing_ok=True)
        self.validator_file.unlink(missing_ok=True)

    def _stored_validator(self) -> str | None:
        try:
            saved = json.loads(self.validator_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("url") != self.url:
            return None
        validator = saved.get("validator")
        return validator if isinstance(validator, str) else None

    def _resume_point(self) -> tuple[int, str | None]:
        """The byte to resume from and the validator to send; (0, None): start over.

        The partial file's last byte is asked for again (see the module's
        docstring); a one-byte partial file therefore starts over.
        """
        size = self.partial.stat().st_size if self.partial.exists() else 0
        validator = self._stored_validator() if size else None
        if size and validator is None:
            logger.info("%s: partial file without validator; restarting", self.url)
            self.discard()
            return 0, None
        return max(0, size - 1), validator

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

    def _check_time(self) -> None:
        if self.stop.is_set():
            raise DownloadError(
                f"{self.url}: stopped with the run (partial file kept for the next run)"
            )
        if time.monotonic() > self.deadline:
            raise DownloadError(
                f"{self.url}: still incomplete after the "
                f"{self.policy.retry.max_total_seconds:.0f} s limit per file "
                "(partial file kept for the next run)"
            )

    def attempt(self, _number: int) -> None:
        """One GET (resuming the partial file); RetryableError if worth repeating."""
        self._check_time()
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        offset, validator = self._resume_point()
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "audio/*, */*;q=0.1",
            "Accept-Encoding": "identity",  # byte ranges of the file itself
        }
        if offset and validator:  # offset: the partial file's last byte
            headers["Range"] = f"bytes={offset}-"
            headers["If-Range"] = validator
        try:
            with self.session.get(
                self.url,
                headers=headers,
                timeout=self.policy.retry.timeout,
                stream=True,
            ) as response:
                self._receive(response, offset, validator)
        except (*TRANSIENT_ERRORS, urllib3.exceptions.HTTPError) as error:
            raise RetryableError(describe_error(error)) from error
        except requests.exceptions.InvalidSchema as error:
            raise DownloadRefusedError(
                f"refused redirect of {self.url}: {error}"
            ) from error
        except requests.RequestException as error:
            raise DownloadError(f"{self.url}: {describe_error(error)}") from error

    def _check_status(self, response: requests.Response, offset: int) -> None:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise RetryableError(
                f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After"))
            )
        if status == requests.codes.requested_range_not_satisfiable and offset:
            self.discard()
            raise RetryableError("HTTP 416 for the resume range; restarting")
        if status in PERMANENT_STATUS:
            raise DownloadRefusedError(f"{self.url} answered HTTP {status} (gone)")
        if status not in {requests.codes.ok, requests.codes.partial_content}:
            raise DownloadError(f"{self.url} answered HTTP {status}")
        content_type = response.headers.get("Content-Type", "")
        if not _is_audio(content_type):
            raise DownloadRefusedError(
                f"{self.url} is not audio (Content-Type {content_type!r})"
            )

    def _start_offset(
        self, response: requests.Response, offset: int, validator: str | None
    ) -> int:
        """Where this response's body goes in the file; saves its validator."""
        if response.status_code == requests.codes.partial_content:
            etag = response.headers.get("ETag")
            if validator and validator.startswith('"') and etag and etag != validator:
                self.discard()
                raise RetryableError("the file changed (new ETag); restarting")
            return offset
        if offset:
            logger.info("%s changed or ignores Range: restarting at 0", self.url)
        fresh = _validator_of(response)
        if fresh is None:
            self.validator_file.unlink(missing_ok=True)
        else:
            self.validator_file.write_text(
                json.dumps({"url": self.url, "validator": fresh}), encoding="utf-8"
            )
        return 0

    def _receive(
        self, response: requests.Response, offset: int, validator: str | None
    ) -> None:
        self._check_status(response, offset)
        offset = self._start_offset(response, offset, validator)
        total = self._expected_total(response, offset)
        if total == -1:
            self.discard()
            raise RetryableError("Content-Range does not continue the partial file")
        if total is not None and total > self.policy.max_bytes:
            raise DownloadRefusedError(
                f"{self.url} is {total} bytes, above the {self.policy.max_bytes} cap"
            )
        self._check_space((total or 0) - offset)
        self._stream(response, offset, total)

    def _check_overlap(
        self, response: requests.Response, sink: BinaryIO, offset: int
    ) -> int:
        """Receive the byte at ``offset`` again; it must be the one kept there.

        Returns:
            The bytes received (0 at an immediate end of the body).
        """
        sink.seek(offset)
        kept = sink.read(1)
        sink.seek(offset)
        received = response.raw.read(1)
        if received and received != kept:
            self.discard()
            raise RetryableError(
                f"the file changed (byte {offset} differs from the partial file); "
                "restarting"
            )
        sink.write(received)
        self.bytes_transferred += len(received)
        return len(received)

    def _stream(
        self, response: requests.Response, offset: int, total: int | None
    ) -> None:
        with self.partial.open("r+b" if offset else "wb") as sink:
            size = offset + (
                self._check_overlap(response, sink, offset) if offset else 0
            )
            while True:
                self._check_time()
                # read1 returns what has arrived (never waits for a full chunk):
                # every received byte is written before a break can lose it.
                chunk = response.raw.read1(self.policy.chunk_bytes)
                if not chunk:
                    break
                size += len(chunk)
                self.bytes_transferred += len(chunk)
                if size > self.policy.max_bytes:
                    sink.close()
                    self.discard()
                    raise DownloadRefusedError(
                        f"{self.url} exceeds the {self.policy.max_bytes} byte cap"
                    )
                sink.write(chunk)  # kept on any exception: `with` flushes it
        if total is not None and size != total:
            if size > total:
                self.discard()
            raise RetryableError(f"incomplete body: {size} of {total} bytes")
        if total is None:
            logger.warning(
                "%s sent no length; accepting %d bytes at EOF", self.url, size
            )


def download_file(  # pylint: disable=too-many-arguments  # keyword-only hooks
    session: requests.Session,
    url: str,
    target: Path,
    policy: DownloadPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
) -> DownloadedFile:
    """Stream ``url`` to ``target`` via ``target.part``, resuming with ``If-Range``.

    The partial file is renamed onto ``target`` only once its size matches the
    announced length, so ``target`` is always a complete file or absent. A
    partial file (and its validator) is kept between attempts and runs.

    Args:
        session: The HTTP session (one per thread).
        url: The enclosure URL.
        target: The final path (see :func:`podcast_pipeline.paths.episode_audio_path`).
        policy: Limits, timeouts, retries and the time limit per file.
        sleep: Waits between attempts (tests pass a recorder).
        stop: Set by the caller to stop early (within one read timeout).

    Returns:
        The completed file's path, size and checksum.

    Raises:
        DownloadRefusedError: Not http(s), gone (404/410), above the size cap,
            or not audio: permanent.
        DiskSpaceError: Not enough free disk space.
        DownloadError: Still failing after the allowed attempts or time.
    """
    check_audio_url(url)
    transfer = _Transfer(session, url, target, policy, stop)
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
        transfer.discard()  # never worth resuming
        raise
    transfer.partial.replace(target)  # atomic on one file system
    transfer.validator_file.unlink(missing_ok=True)
    size = target.stat().st_size
    logger.info("Downloaded %s (%d bytes, %d attempts)", target.name, size, attempts)
    return DownloadedFile(
        path=target,
        size=size,
        sha256=_sha256(target),
        attempts=attempts,
        bytes_transferred=transfer.bytes_transferred,
    )
