"""Downloads against a real local server that injects every fault of the issue."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import requests
from stack.feed import EpisodeSpec, FeedServer

from podcast_pipeline.download.transfer import DownloadPolicy, download_file
from podcast_pipeline.errors import DiskSpaceError, DownloadError, DownloadRefusedError
from podcast_pipeline.models import DownloadedFile
from podcast_pipeline.retry import RetryPolicy
from tests.support.server import Fault, FaultServer, Route

FAST = RetryPolicy(
    max_attempts=4,
    base_delay=0.01,
    max_delay=0.05,
    max_total_seconds=30,
    read_timeout=0.5,
)
POLICY = DownloadPolicy(retry=FAST, min_free_bytes=0, chunk_bytes=1024)


class Sleeps(list[float]):
    """Records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetch(
    url: str,
    target: Path,
    policy: DownloadPolicy = POLICY,
    sleeps: Sleeps | None = None,
) -> DownloadedFile:
    with requests.Session() as session:
        return download_file(
            session,
            url,
            target,
            policy,
            sleep=sleeps if sleeps is not None else Sleeps(),
        )


def assert_complete(target: Path, body: bytes) -> None:
    assert target.read_bytes() == body
    assert not target.with_name(target.name + ".part").exists()


def test_plain_download_records_size_and_sha256(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    url = server.add("/a.mp3", Route(mp3_bytes))
    result = fetch(url, tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", mp3_bytes)
    assert result.size == len(mp3_bytes)
    assert result.sha256 == hashlib.sha256(mp3_bytes).hexdigest()
    assert result.attempts == 1


def test_429_with_retry_after_waits_as_told(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    url = server.add("/a.mp3", Route(mp3_bytes, faults=[Fault("status", 429, "2")]))
    sleeps = Sleeps()
    fetch(url, tmp_path / "a.mp3", sleeps=sleeps)
    assert sleeps == [2.0]
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


def test_503_then_200_succeeds(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(mp3_bytes, faults=[Fault("status", 503), Fault("status", 502)])
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert result.attempts == 3
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


@pytest.mark.parametrize("kind", ["drop", "short"])
@pytest.mark.parametrize(
    ("etag", "last_modified", "validator"),
    [
        ('"v1"', None, '"v1"'),
        (None, "Tue, 02 Jan 2024 10:00:00 GMT", "Tue, 02 Jan 2024 10:00:00 GMT"),
        ('W/"weak"', "Tue, 02 Jan 2024 10:00:00 GMT", "Tue, 02 Jan 2024 10:00:00 GMT"),
    ],
)
def test_cut_body_resumes_with_range_and_if_range(  # noqa: PLR0917  # pylint: disable=too-many-arguments,too-many-positional-arguments
    server: FaultServer,
    mp3_bytes: bytes,
    tmp_path: Path,
    kind: str,
    etag: str | None,
    last_modified: str | None,
    validator: str,
) -> None:
    cut = len(mp3_bytes) // 2
    route = Route(mp3_bytes, etag=etag, last_modified=last_modified)
    route.faults.append(Fault(kind, cut_at=cut))
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", mp3_bytes)
    assert "Range" not in route.requests[0]
    # Every byte received is kept; the last one is asked for again, as a check.
    assert route.requests[1]["Range"] == f"bytes={cut - 1}-"
    assert route.requests[1]["If-Range"] == validator
    assert result.bytes_transferred == len(mp3_bytes) + 1


def test_cut_body_without_validator_restarts_from_zero(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(mp3_bytes, faults=[Fault("drop", cut_at=len(mp3_bytes) // 2)])
    fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", mp3_bytes)
    assert "Range" not in route.requests[1]  # never appended without a validator


def test_file_changed_between_drop_and_resume_is_never_spliced(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    new_version = b"\xff\xfb" + bytes(range(256)) * 40  # another MP3, other length
    cut = len(mp3_bytes) // 2
    drop = Fault("drop", cut_at=cut, replace_with=(new_version, '"v2"'))
    route = Route(mp3_bytes, etag='"v1"', faults=[drop])
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert route.requests[1]["If-Range"] == '"v1"'  # the server answered 200: v2
    assert_complete(tmp_path / "a.mp3", new_version)
    assert result.sha256 == hashlib.sha256(new_version).hexdigest()


def test_a_206_with_another_etag_restarts(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    new_version = mp3_bytes[::-1]
    drop = Fault("drop", cut_at=1000, replace_with=(new_version, '"v2"'))
    route = Route(mp3_bytes, etag='"v1"', honours_if_range=False, faults=[drop])
    fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", new_version)
    assert "Range" in route.requests[1]
    assert "Range" not in route.requests[2]


def test_cut_body_without_range_support_restarts(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(mp3_bytes, supports_range=False, faults=[Fault("short", cut_at=100)])
    fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


def test_response_slower_than_the_timeout_is_retried(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(mp3_bytes, faults=[Fault("slow", delay=1.5)])
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert result.attempts == 2
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


def test_a_trickling_body_is_bounded_by_the_time_limit(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    policy = DownloadPolicy(
        retry=RetryPolicy(max_total_seconds=1, read_timeout=2),
        min_free_bytes=0,
        chunk_bytes=64 * 1024,  # larger than what arrives: read1 returns earlier
    )
    route = Route(mp3_bytes, faults=[Fault("trickle", cut_at=256, delay=0.1)])
    started = time.monotonic()
    with pytest.raises(DownloadError, match="still incomplete after the 1 s limit"):
        fetch(server.add("/a.mp3", route), tmp_path / "a.mp3", policy)
    assert time.monotonic() - started < 1 + 2  # the limit plus one read timeout
    assert not (tmp_path / "a.mp3").exists()
    assert 0 < (tmp_path / "a.mp3.part").stat().st_size < len(mp3_bytes)


def test_persistent_failure_is_bounded_and_leaves_no_final_file(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(mp3_bytes, faults=[Fault("short", cut_at=100)] * 10)
    with pytest.raises(DownloadError, match="failed after 4 attempts"):
        fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert not (tmp_path / "a.mp3").exists()
    assert len(route.requests) == 4
    assert (tmp_path / "a.mp3.part").stat().st_size < len(mp3_bytes)


def test_partial_file_from_an_earlier_run_is_resumed(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    url = server.url("/a.mp3")
    (tmp_path / "a.mp3.part").write_bytes(mp3_bytes[:1000])
    (tmp_path / "a.mp3.part.validator").write_text(
        json.dumps({"url": url, "validator": '"v1"'})
    )
    route = Route(mp3_bytes, etag='"v1"')
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert route.requests[0]["Range"] == "bytes=999-"
    assert result.bytes_transferred == len(mp3_bytes) - 999
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


def test_a_complete_file_not_yet_renamed_is_finished_with_one_byte(
    mp3_bytes: bytes, tmp_path: Path
) -> None:
    """A worker killed between the last byte and the rename: the retry costs 1 byte."""
    feed = FeedServer([EpisodeSpec("ep", mp3_bytes)]).start()
    target = tmp_path / "ep.mp3"
    try:
        target.mkdir()  # the rename fails, as if the worker had died just before it
        with pytest.raises(IsADirectoryError):
            fetch(feed.audio_url("ep"), target)
        assert (tmp_path / "ep.mp3.part").read_bytes() == mp3_bytes
        target.rmdir()

        result = fetch(feed.audio_url("ep"), target)

        assert feed.deliveries.wait_completed("ep", 2)
        assert feed.deliveries.requests["ep"] == 2
        assert feed.deliveries.body_bytes == len(mp3_bytes) + 1  # once, plus one
    finally:
        feed.stop()
    assert result.bytes_transferred == 1
    assert_complete(target, mp3_bytes)
    assert not (tmp_path / "ep.mp3.part.validator").exists()


def test_a_changed_file_behind_a_server_ignoring_if_range_is_never_spliced(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    """Same size, same Last-Modified, other bytes: the resent byte gives it away."""
    modified = "Tue, 02 Jan 2024 10:00:00 GMT"
    new_version = bytes(byte ^ 0xFF for byte in mp3_bytes)
    url = server.url("/a.mp3")
    (tmp_path / "a.mp3.part").write_bytes(mp3_bytes[:1000])
    (tmp_path / "a.mp3.part.validator").write_text(
        json.dumps({"url": url, "validator": modified})
    )
    route = Route(new_version, last_modified=modified, honours_if_range=False)
    result = fetch(server.add("/a.mp3", route), tmp_path / "a.mp3")
    assert route.requests[0]["Range"] == "bytes=999-"
    assert "Range" not in route.requests[1]  # byte 999 differed: restarted
    assert result.sha256 == hashlib.sha256(new_version).hexdigest()
    assert_complete(tmp_path / "a.mp3", new_version)


def test_stale_oversized_partial_restarts_after_416(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    url = server.url("/a.mp3")
    (tmp_path / "a.mp3.part").write_bytes(b"x" * (len(mp3_bytes) + 10))
    (tmp_path / "a.mp3.part.validator").write_text(
        json.dumps({"url": url, "validator": '"v1"'})
    )
    fetch(server.add("/a.mp3", Route(mp3_bytes, etag='"v1"')), tmp_path / "a.mp3")
    assert_complete(tmp_path / "a.mp3", mp3_bytes)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://e.org/a.mp3", "http:///nohost"]
)
def test_non_http_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(DownloadRefusedError, match="non-http"):
        fetch(url, tmp_path / "a.mp3")


def test_redirect_to_a_local_file_is_refused(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    redirect = Fault("status", 302, location="file:///etc/passwd")
    url = server.add("/a.mp3", Route(mp3_bytes, faults=[redirect]))
    with pytest.raises(DownloadRefusedError, match="refused redirect"):
        fetch(url, tmp_path / "a.mp3")
    assert not list(tmp_path.iterdir())


def test_file_above_the_cap_is_refused_before_download(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    policy = DownloadPolicy(retry=FAST, max_bytes=1000, min_free_bytes=0)
    with pytest.raises(DownloadRefusedError, match="above the 1000 cap"):
        fetch(server.add("/big.mp3", Route(mp3_bytes)), tmp_path / "big.mp3", policy)
    assert not list(tmp_path.iterdir())


def test_non_audio_response_is_refused(server: FaultServer, tmp_path: Path) -> None:
    url = server.add("/a.mp3", Route(b"<html>login</html>", content_type="text/html"))
    with pytest.raises(DownloadRefusedError, match="not audio"):
        fetch(url, tmp_path / "a.mp3")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("status", [404, 410])
def test_gone_is_permanent_and_never_retried(
    server: FaultServer, tmp_path: Path, status: int
) -> None:
    route = Route(b"", faults=[Fault("status", status)] * 3)
    with pytest.raises(DownloadRefusedError, match=f"HTTP {status} \\(gone\\)"):
        fetch(server.add("/gone.mp3", route), tmp_path / "a.mp3")
    assert len(route.requests) == 1


def test_unparsable_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadRefusedError, match="unparsable audio URL"):
        fetch("http://[oops/x.mp3", tmp_path / "a.mp3")


def test_not_enough_disk_space_is_refused_first(
    server: FaultServer, mp3_bytes: bytes, tmp_path: Path
) -> None:
    policy = DownloadPolicy(retry=FAST, min_free_bytes=2**62)
    with pytest.raises(DiskSpaceError, match="not enough free disk"):
        fetch(server.add("/a.mp3", Route(mp3_bytes)), tmp_path / "a.mp3", policy)
    assert not (tmp_path / "a.mp3").exists()


def test_unreachable_server_fails_after_bounded_attempts(tmp_path: Path) -> None:
    with FaultServer() as closed:
        url = closed.url("/a.mp3")  # bound but never served, then closed
    with pytest.raises(DownloadError, match="failed after 4 attempts"):
        fetch(url, tmp_path / "a.mp3")
