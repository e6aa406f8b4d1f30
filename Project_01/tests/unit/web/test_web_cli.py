"""`movie-recs serve`: options checked before anything starts, one-line errors."""

import socket
from pathlib import Path

import pytest

from movie_recommender.cli import main


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "0"], "--port must be in 1..65535 (got 0)"),
        (["--port", "70000"], "--port must be in 1..65535 (got 70000)"),
        (["--workers", "0"], "--workers must be in 1..64 (got 0)"),
        (["--max-in-flight", "0"], "--max-in-flight must be in 1..10000 (got 0)"),
        (["--time-budget", "0"], "--time-budget must be in 0.01..300 (got 0.0)"),
        (["--threads", "100"], "--threads must be in 1..64 (got 100)"),
        (["--cache-mb", "-1"], "--cache-mb must be in 0..65536 (got -1.0)"),
    ],
)
def test_serve_refuses_options_out_of_range_in_one_line(
    capsys: pytest.CaptureFixture[str],
    tiny_dir: Path,
    cache_env: Path,
    option: list[str],
    message: str,
) -> None:
    code = main(["serve", "--data-dir", str(tiny_dir), *option])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"movie-recs: error: {message}\n"
    assert not cache_env.exists(), "nothing is built before the options are valid"


def test_serve_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "http"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err == "movie-recs: error: argument --port: invalid int value: 'http'\n"


@pytest.mark.usefixtures("cache_env")
def test_serve_refuses_a_missing_data_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["serve", "--data-dir", str(tmp_path / "absent"), "--port", "8766"])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        "movie-recs: error: data directory not found"
    )


def test_serve_refuses_a_port_in_use(
    capsys: pytest.CaptureFixture[str], tiny_dir: Path, cache_env: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(["serve", "--data-dir", str(tiny_dir), "--port", str(port)])
    assert code == 1
    err = capsys.readouterr().err
    reason = f"cannot listen on 127.0.0.1:{port}: Address already in use"
    assert err == f"movie-recs: error: {reason}\n"
    assert not cache_env.exists()


@pytest.mark.usefixtures("cache_env")
def test_serve_refuses_a_malformed_links_file(
    capsys: pytest.CaptureFixture[str], tiny_dir: Path
) -> None:
    (tiny_dir / "links.csv").write_text("movieId,imdbId,tmdbId\nx1,12,3\n", "utf-8")
    code = main(["serve", "--data-dir", str(tiny_dir), "--port", "8767"])
    assert code == 2
    err = capsys.readouterr().err
    assert "links.csv line 2: malformed ids (movieId 'x1'" in err
    assert len(err.splitlines()) == 1
