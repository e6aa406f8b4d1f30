"""The podcast-pipeline command against a local server: output and exit codes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from podcast_pipeline.cli import main
from tests.support.media import Item, rss
from tests.support.server import FaultServer, Route


@pytest.fixture
def feed_url(server: FaultServer, mp3_bytes: bytes) -> str:
    items = [
        Item(
            "Newest <b>show</b>",
            guid="g2",
            audio_url=server.add("/2.mp3", Route(mp3_bytes)),
            pub_date="Tue, 02 Jan 2024 10:00:00 GMT",
        ),
        Item(
            "Older show",
            guid="g1",
            audio_url=server.add("/1.mp3", Route(mp3_bytes)),
            pub_date="Mon, 01 Jan 2024 10:00:00 GMT",
        ),
        Item("Show notes", guid="n", link="https://e.org/notes", pub_date=None),
    ]
    return server.add("/feed.xml", Route(rss(items), etag='"v1"'))


def run_argv(feed_url: str, data_dir: Path, *options: str) -> list[str]:
    """``run`` of one feed into ``data_dir``, without progress bars."""
    return [
        "run",
        "--feed",
        feed_url,
        "--data-dir",
        str(data_dir),
        "--no-progress",
        *options,
    ]


def test_run_then_episodes_table_and_json(
    feed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_argv(feed_url, tmp_path, "--no-transcribe", "--max-episodes", "1"))
    out = capsys.readouterr().out
    assert code == 0
    assert "3 new episodes stored" in out
    assert "downloads: 1 of 1 downloaded, 0 failed, 0 refused" in out
    assert "transcripts" not in out

    assert main(["episodes", "--data-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    for status in ("downloaded", "pending", "no-audio"):
        assert status in table
    assert table.rstrip().endswith("3 episodes")

    assert (
        main(["episodes", "--db", str(tmp_path / "podcasts.db"), "--format", "json"])
        == 0
    )
    episodes = json.loads(capsys.readouterr().out)
    assert [(e["guid"], e["status"]) for e in episodes] == [
        ("g2", "downloaded"),
        ("g1", "pending"),
        ("n", "no-audio"),
    ]
    assert episodes[0]["title"] == "Newest show"


def test_run_transcribes_by_default_and_transcribe_skips_done(
    feed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(run_argv(feed_url, tmp_path, "--max-episodes", "1"))
    assert code == 0
    assert "transcripts: 1 of 1 transcribed, 0 failed, 0 refused" in (
        capsys.readouterr().out
    )
    with sqlite3.connect(tmp_path / "podcasts.db") as connection:
        [(engine, error)] = connection.execute(
            "SELECT transcript_engine, transcript_error FROM episodes "
            "WHERE transcript IS NOT NULL"
        ).fetchall()
    assert (engine, error) == ("pocketsphinx", None)

    assert main(["transcribe", "--data-dir", str(tmp_path), "--workers", "1"]) == 0
    assert "0 of 0 transcribed" in capsys.readouterr().out


def test_transcribe_marks_a_corrupt_file_and_exits_1(
    feed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(run_argv(feed_url, tmp_path, "--no-transcribe"))
    with sqlite3.connect(tmp_path / "podcasts.db") as connection:
        paths = [
            row[0]
            for row in connection.execute(
                "SELECT file_path FROM episodes "
                "WHERE file_path IS NOT NULL ORDER BY guid"
            )
        ]
    Path(paths[0]).write_bytes(b"not audio at all")
    capsys.readouterr()

    assert (
        main(["transcribe", "--db", str(tmp_path / "podcasts.db"), "--workers", "1"])
        == 1
    )
    assert "1 of 2 transcribed, 0 failed, 1 refused" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "podcasts.db") as connection:
        rows = dict(
            connection.execute(
                "SELECT guid, transcript_error FROM episodes "
                "WHERE file_path IS NOT NULL"
            )
        )
    assert rows["g2"] is None
    assert rows["g1"]


def test_transcribe_file_prints_text(
    mp3_bytes: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio = tmp_path / "tone.mp3"
    audio.write_bytes(mp3_bytes)
    assert main(["transcribe-file", str(audio)]) == 0
    assert isinstance(capsys.readouterr().out, str)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["run", "--feed", "file:///etc/passwd"], 2, "feed URL must be http"),
        (["episodes", "--db", "{tmp}/missing.db"], 2, "no database at"),
        (["transcribe-file", "{tmp}/missing.mp3"], 2, "missing.mp3"),
        (
            [
                "transcribe",
                "--db",
                "{tmp}/t.db",
                "--engine",
                "vosk",
                "--model-dir",
                "{tmp}/no",
            ],
            2,
            "no",
        ),
        (
            ["run", "--max-episodes", "-1", "--feed", "http://127.0.0.1:9/x"],
            2,
            "non-negative",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(  # noqa: PLR0917  # pylint: disable=too-many-arguments,too-many-positional-arguments
    argv: list[str],
    code: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PODCAST_DATA_DIR", str(tmp_path))
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("podcast-pipeline: error: ")
    assert message in err


def test_unreachable_feed_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultServer() as closed:
        url = closed.url("/feed.xml")
    code = main(["--log-level", "ERROR", *run_argv(url, tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "failed after 3 attempts: ConnectionError: connection refused" in err


def test_log_file_receives_the_log(feed_url: str, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    main(
        [
            "--log-level",
            "INFO",
            "--log-file",
            str(log),
            *run_argv(feed_url, tmp_path, "--no-transcribe"),
        ]
    )
    assert "podcast_pipeline.steps.downloads: 2 episodes to download" in log.read_text()


def test_one_failing_feed_of_two_is_summarised_and_exits_1(
    feed_url: str,
    server: FaultServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gone = server.url("/gone.xml")
    argv = ["run", "--feed", feed_url, gone, "--data-dir", str(tmp_path)]
    code = main([*argv, "--no-transcribe", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "3 new episodes stored" in captured.out
    assert f"failed feed {gone}: feed {gone} answered HTTP 404" in captured.out
    assert captured.err.endswith("podcast-pipeline: error: 1 feed(s) failed\n")


@pytest.mark.parametrize("through", ["--db", "PODCAST_DB"])
def test_run_and_episodes_on_either_store(  # noqa: PLR0917  # pylint: disable=too-many-arguments,too-many-positional-arguments
    through: str,
    feed_url: str,
    store_target: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ["--db", store_target] if through == "--db" else []
    if through == "PODCAST_DB":
        monkeypatch.setenv("PODCAST_DB", store_target)
    run = ["run", "--feed", feed_url, "--data-dir", str(tmp_path / "data"), *store]
    assert main([*run, "--no-transcribe", "--no-progress", "--max-episodes", "1"]) == 0
    assert "downloads: 1 of 1 downloaded" in capsys.readouterr().out
    assert main(["episodes", *store, "--format", "json"]) == 0
    statuses = [row["status"] for row in json.loads(capsys.readouterr().out)]
    assert statuses == ["downloaded", "pending", "no-audio"]
    assert not (tmp_path / "data" / "podcasts.db").exists()  # the store named was used
