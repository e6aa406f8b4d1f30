"""Download against a real HTTP server on 127.0.0.1."""

import hashlib
import http.server
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from movie_recommender.cli import main
from movie_recommender.download import download_dataset
from movie_recommender.errors import DownloadError
from movie_recommender.options import DownloadRequest


def _zip_bytes(tiny_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name in ("movies.csv", "ratings.csv"):
            bundle.write(tiny_dir / name, f"ml-latest-small/{name}")
        bundle.writestr("ml-latest-small/README.txt", "GroupLens licence")
    return buffer.getvalue()


MAKE = shutil.which("make")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        pass


@pytest.fixture
def server_root(tmp_path: Path, tiny_dir: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a generated zip and its .md5."""
    root = tmp_path / "www"
    root.mkdir()
    payload = _zip_bytes(tiny_dir)
    (root / "ml-latest-small.zip").write_bytes(payload)
    digest = hashlib.md5(payload).hexdigest()  # noqa: S324  (as GroupLens publishes)
    (root / "ml-latest-small.zip.md5").write_text(
        f"MD5 (ml-latest-small.zip) = {digest}\n", encoding="ascii"
    )
    handler = partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_download_verifies_and_unpacks(
    server_root: tuple[str, Path], tmp_path: Path, tiny_dir: Path
) -> None:
    url, _ = server_root
    request = DownloadRequest(
        "ml-latest-small", tmp_path / "data", url, 5, progress=False
    )
    folder = download_dataset(request)
    expected = (tiny_dir / "ratings.csv").read_bytes()
    assert (folder / "ratings.csv").read_bytes() == expected
    assert folder == tmp_path / "data" / "ml-latest-small"


def test_download_reuses_what_is_there(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = server_root
    request = DownloadRequest(
        "ml-latest-small", tmp_path / "data", url, 5, progress=False
    )
    download_dataset(request)
    (root / "ml-latest-small.zip").unlink()  # a second fetch would now fail
    assert download_dataset(request).is_dir()


def test_download_refuses_a_checksum_mismatch(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = server_root
    (root / "ml-latest-small.zip.md5").write_text("0" * 32, encoding="ascii")
    request = DownloadRequest(
        "ml-latest-small", tmp_path / "data", url, 5, progress=False
    )
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_dataset(request)
    assert not (tmp_path / "data" / "ml-latest-small").exists()


def test_download_reports_http_errors(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = server_root
    request = DownloadRequest("ml-latest-small", tmp_path, f"{url}/absent", 5)
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_dataset(request)


def test_download_refuses_a_bad_archive(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = server_root
    (root / "ml-latest-small.zip").write_bytes(b"not a zip")
    digest = hashlib.md5(b"not a zip").hexdigest()  # noqa: S324  (as GroupLens)
    (root / "ml-latest-small.zip.md5").write_text(digest, encoding="ascii")
    request = DownloadRequest("ml-latest-small", tmp_path, url, 5, progress=False)
    with pytest.raises(DownloadError, match="not a valid zip"):
        download_dataset(request)


def test_offline_download_exits_1_with_one_line_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code = main(
        ["download", "--base-url", url, "--dest", str(tmp_path), "--timeout", "2"]
    )
    error = capsys.readouterr().err
    assert code == 1  # a runtime failure: the same command works once online
    assert error.count("\n") == 1
    assert "are you offline?" in error
    assert url in error
    assert not list(tmp_path.iterdir())


def test_failed_download_removes_its_staging_folder(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = server_root
    (root / "ml-latest-small.zip.md5").write_text("0" * 32, encoding="ascii")
    dest = tmp_path / "data"
    request = DownloadRequest("ml-latest-small", dest, url, 5, progress=False)
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_dataset(request)
    assert not list(dest.iterdir())


def test_download_removes_staging_folders_of_killed_downloads(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = server_root
    dead_pid = 2**22 + 1  # above the kernel's pid_max: never a live process
    dest = tmp_path / "data"
    abandoned = dest / f".ml-latest-small.staging-{dead_pid}-abc123"
    (abandoned / "unpacked").mkdir(parents=True)
    request = DownloadRequest("ml-latest-small", dest, url, 5, progress=False)
    download_dataset(request)
    assert sorted(path.name for path in dest.iterdir()) == ["ml-latest-small"]


def test_cli_download_prints_the_folder(
    server_root: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = server_root
    code = main(["download", "--base-url", url, "--dest", str(tmp_path / "d")])
    assert code == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "d" / "ml-latest-small")


def test_cli_download_json_is_an_object(
    server_root: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = server_root
    args = ["download", "--base-url", url, "--dest", str(tmp_path), "--format", "json"]
    assert main(args) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == {
        "dataset": "ml-latest-small",
        "path": str(tmp_path / "ml-latest-small"),
    }


def test_sigterm_during_a_download_is_one_line_and_exit_130(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        command = [sys.executable, "-m", "movie_recommender.cli", "download"]
        command += ["--base-url", url, "--dest", str(tmp_path / "dl")]
        with subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
            command, stderr=subprocess.PIPE, text=True
        ) as process:
            connection, _ = silent.accept()  # the command is now waiting for us
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
            connection.close()
    assert process.returncode == 130
    assert errors == "movie-recs: error: interrupted (SIGTERM)\n"


def _make_demo(
    project: Path, tmp_path: Path, base_url: str
) -> subprocess.CompletedProcess[str]:
    """`make demo` on a machine without data: no $MOVIELENS_DIR, no shared copy."""
    environment = {
        key: value for key, value in os.environ.items() if key != "MOVIELENS_DIR"
    }
    environment |= {
        "MOVIELENS_BASE_URL": base_url,
        "MOVIE_RECS_CACHE_DIR": str(tmp_path / "cache"),
    }
    return subprocess.run(  # noqa: S603  (make and our own Makefile)
        [str(MAKE), "--no-print-directory", "-C", str(project), "demo",
         "MOVIELENS_DIR=", f"SHARED_MOVIELENS={tmp_path / 'no-shared-data'}"],
        capture_output=True, text=True, env=environment, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.skipif(MAKE is None, reason="needs make (Debian package: make)")
def test_make_demo_downloads_the_data_when_none_is_found(
    server_root: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = server_root
    project = Path(__file__).resolve().parents[2]
    demo = _make_demo(project, tmp_path, url)
    assert demo.returncode == 0, demo.stderr
    assert "match: Toy Story (1995)" in demo.stdout
    downloaded = tmp_path / "cache" / "datasets" / "ml-latest-small" / "ratings.csv"
    assert downloaded.is_file()


@pytest.mark.skipif(MAKE is None, reason="needs make (Debian package: make)")
def test_make_demo_offline_stops_with_one_line_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    demo = _make_demo(Path(__file__).resolve().parents[2], tmp_path, url)
    assert demo.returncode != 0
    errors = [line for line in demo.stderr.splitlines() if "movie-recs:" in line]
    assert len(errors) == 1
    assert url in errors[0]
    assert "Traceback" not in demo.stderr
