"""The movie-recs command line: output, formats, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from movie_recommender.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data_args(tiny_dir: Path, cache_env: Path) -> list[str]:
    return ["--data-dir", str(tiny_dir), "--cache-dir", str(cache_env)]


def test_search_prints_a_ranked_table(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, out, _ = run(capsys, "search", "toy story", *data_args)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["movieId", "title", "similarity"]
    assert "Toy Story (1995)" in lines[2]
    assert "Toy Story 2 (1999)" in lines[3]


def test_search_json_and_no_match(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, out, _ = run(capsys, "search", "godfater", "--format", "json", *data_args)
    assert code == 0
    assert json.loads(out)["matches"][0]["movieId"] == 3
    code, out, _ = run(capsys, "search", "qwxzv plmok", *data_args)
    assert code == 0
    assert "no movie title matches" in out


def test_recommend_json_has_the_documented_shape(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    args = ["recommend", "toy story", "--algorithm", "fans", "--format", "json"]
    code, out, _ = run(capsys, *args, *data_args)
    answer = json.loads(out)
    assert code == 0
    assert list(answer) == [
        "query", "match", "matches", "user", "algorithm", "recommendations", "note",
    ]  # fmt: skip
    match_fields = ["movieId", "title", "genres", "year", "similarity", "ratings"]
    assert list(answer["match"]) == match_fields
    assert answer["matches"] == [answer["match"]]
    assert answer["user"] is None
    assert set(answer["recommendations"][0]) == {"movieId", "title", "genres", "score"}
    assert answer["recommendations"][0]["movieId"] == 2


def test_recommend_table_by_movie_id_with_classic(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, out, _ = run(
        capsys, "recommend", "--movie-id", "3", "--algorithm", "classic", *data_args
    )
    assert code == 0
    assert out.startswith("match: Godfather, The (1972) (movieId 3")
    assert "Godfather: Part II" in out


def test_recommend_explains_an_empty_list(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, out, _ = run(capsys, "recommend", "--movie-id", "8", *data_args)
    assert code == 0
    assert out.count("\n") == 2
    assert "no recommendations: too few ratings for the history model" in out
    assert "nobody has rated this movie" in out


def test_batch_writes_one_json_line_per_query(
    capsys: pytest.CaptureFixture[str], data_args: list[str], tmp_path: Path
) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text(
        "toy story\n\nid:3\nid:999\nqwxzv\n ID: 1 \nid:abc\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "recommend", "--batch", str(batch), *data_args)
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [a["query"] for a in answers] == [
        "toy story",
        "id:3",
        "id:999",
        "qwxzv",
        "ID: 1",
        "id:abc",
    ]
    assert answers[1]["match"]["movieId"] == 3
    assert "unknown movieId" in answers[2]["error"]
    assert answers[3]["match"] is None
    assert answers[4]["match"]["movieId"] == 1
    assert "not a movieId" in answers[5]["error"]
    assert list(answers[0]) == [
        "query", "match", "matches", "user", "algorithm", "recommendations", "note",
    ]  # fmt: skip


def test_batch_reader_closing_early_is_not_a_traceback(
    tiny_dir: Path, tmp_path: Path
) -> None:
    batch = tmp_path / "queries.txt"
    batch.write_text("toy story\n" * 3000, encoding="utf-8")  # > a pipe's buffer
    command = [sys.executable, "-m", "movie_recommender.cli", "recommend"]
    command += ["--batch", str(batch), "--data-dir", str(tiny_dir)]
    command += ["--cache-dir", str(tmp_path / "cache")]
    with subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert json.loads(process.stdout.readline())["query"] == "toy story"
        process.stdout.close()  # like `| head -1`
        errors = process.stderr.read()
    assert process.returncode == 1
    assert "Traceback" not in errors


@pytest.mark.usefixtures("cache_env")
def test_evaluate_prints_every_protocol_and_task(
    capsys: pytest.CaptureFixture[str], small_dir: Path
) -> None:
    args = ["evaluate", "--data-dir", str(small_dir)]
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert "reporting users" in out
    for heading in (
        "leave-last-out, history task",
        "leave-last-out, single-seed task",
        "global-time, history task",
        "global-time, single-seed task",
    ):
        assert heading in out
    for name in ("hybrid", "fans", "classic", "ease", "implicit-als", "implicit-bm25"):
        assert name in out
    code, out, _ = run(capsys, *args, "--users", "tuning", "--format", "json")
    result = json.loads(out)
    assert result["group"] == "tuning"
    first = result["tasks"][0]
    assert set(first) == {"protocol", "task", "users", "best_peer", "algorithms"}
    ease = next(entry for entry in first["algorithms"] if entry["name"] == "ease")
    assert set(ease["metrics"]) == {
        "ndcg@10", "hit rate@10", "recall@20", "popularity percentile", "coverage",
    }  # fmt: skip
    assert set(ease["metrics"]["ndcg@10"]) == {"value", "low", "high"}


@pytest.mark.usefixtures("cache_env")
def test_evaluate_without_time_order_says_why_in_one_line(
    capsys: pytest.CaptureFixture[str], tiny_dir: Path
) -> None:
    # every rating of the tiny set has the same timestamp: no film comes after another
    code, out, err = run(capsys, "evaluate", "--data-dir", str(tiny_dir))
    assert code == 2
    assert out == ""
    assert "nothing to evaluate" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", ""], "query is empty"),
        (["recommend"], "query is empty"),
        (["recommend", "--movie-id", "999"], "unknown movieId: 999"),
        (["recommend", "toy story", "--limit", "0"], "--limit must be in [1, 10000]"),
        (["search", "toy", "--limit", "0"], "--limit must be in [1, 10000] (got 0)"),
        (["evaluate", "--users", "tuning", "--damping", "0"], "--damping must be"),
        (["recommend", "--batch", "/nonexistent/q.txt"], "cannot read the batch"),
        (["recommend", "x", "--movie-id", "1"], "give titles, --movie-id or"),
        (["recommend", "x", "--batch", "q.txt"], "give titles, --movie-id or"),
        (["recommend", "--user-id", "1", "--movie-id", "1"], "give titles, --movie"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    data_args: list[str],
    args: list[str],
    message: str,
) -> None:
    code, _, err = run(capsys, *args, *data_args)
    assert code == 2
    assert err.count("\n") == 1
    assert message in err


@pytest.mark.usefixtures("cache_env")
def test_missing_data_dir_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "search", "x", "--data-dir", str(tmp_path / "none"))
    assert code == 2
    assert "data directory not found" in err


@pytest.mark.usefixtures("cache_env")
def test_excel_as_csv_exits_2(
    capsys: pytest.CaptureFixture[str], tiny_dir: Path
) -> None:
    (tiny_dir / "ratings.csv").write_bytes(b"PK\x03\x04 a workbook")
    code, _, err = run(capsys, "search", "toy", "--data-dir", str(tiny_dir))
    assert code == 2
    assert "ratings.csv is an Excel workbook" in err
    assert "Traceback" not in err


def test_default_data_dir_comes_from_movielens_dir(
    capsys: pytest.CaptureFixture[str],
    tiny_dir: Path,
    cache_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOVIELENS_DIR", str(tiny_dir))
    code, out, _ = run(capsys, "search", "emma")
    assert code == 0
    assert "Emma (1996)" in out
    monkeypatch.delenv("MOVIELENS_DIR")
    code, _, err = run(capsys, "search", "emma")
    assert code == 2
    assert str(cache_env / "datasets" / "ml-latest-small") in err


def test_debug_log_goes_to_the_log_file(
    capsys: pytest.CaptureFixture[str], data_args: list[str], tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    code, _, _ = run(
        capsys, "search", "toy", "--log-level", "DEBUG", "--log-file", str(log),
        *data_args,
    )  # fmt: skip
    assert code == 0
    assert "movie_recommender.store" in log.read_text(encoding="utf-8")


def test_help_works_as_a_console_script() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "movie_recommender.cli", "--help"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "download" in done.stdout
    assert "recommend" in done.stdout
