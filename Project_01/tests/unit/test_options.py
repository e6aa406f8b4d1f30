"""Option ranges: declared once, checked once, refused in one line (exit 2)."""

import math
from pathlib import Path

import pytest

from movie_recommender.cli import main
from movie_recommender.errors import InputError
from movie_recommender.options import (
    RANGES,
    DownloadRequest,
    EvaluateOptions,
    RecommendOptions,
    SearchOptions,
    Seeds,
    Settings,
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Settings(min_rating=9),
            r"--min-rating must be in \[0.5, 5\] \(got 9\)",
        ),
        (lambda: Settings(min_rating=0.4), "--min-rating must be in"),
        (lambda: Settings(min_share=2), r"--min-share must be in \[0, 1\]"),
        (lambda: Settings(min_share=-0.1), "--min-share"),
        (lambda: Settings(genre_weight=-1), r"--genre-weight must be in \[0, 10\]"),
        (lambda: Settings(damping=-50), r"--damping must be in \(0, 1e\+06\]"),
        (lambda: Settings(damping=0), "--damping"),
        (lambda: Settings(popularity_exponent=3), "--popularity-exponent"),
        (lambda: Settings(popularity_exponent=math.nan), "got nan"),
        (lambda: Settings(genre_weight=math.inf), "got inf"),
        (lambda: RecommendOptions(limit=0), r"--limit must be in \[1, 10000\]"),
        (lambda: RecommendOptions(min_similarity=5), "--min-similarity"),
        (lambda: RecommendOptions(algorithm="magic"), "unknown algorithm 'magic'"),
        (lambda: SearchOptions(limit=-1), "--limit"),
        (lambda: SearchOptions(min_similarity=-0.1), "--min-similarity"),
        (lambda: EvaluateOptions(group="everyone"), "unknown user group 'everyone'"),
        (
            lambda: DownloadRequest("ml-latest-small", Path(), "", timeout=0),
            "--timeout",
        ),
        (Seeds, "the query is empty"),
        (lambda: Seeds(("toy story", " ")), "the query is empty"),
        (lambda: Seeds(("x",), (1,)), "not several"),
        (lambda: Seeds(movie_ids=(1,), user_id=3), "not several"),
    ],
)
def test_out_of_range_values_are_refused_by_their_record(
    make: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        make()  # type: ignore[operator]


def test_the_defaults_are_in_their_ranges() -> None:
    Settings()
    RecommendOptions()
    SearchOptions()
    EvaluateOptions()
    assert RANGES["damping"].describe() == "in (0, 1e+06]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend", "toy story", "--damping", "-50", "--popularity-exponent",
          "0.5", "--format", "json"], "--damping must be in (0, 1e+06] (got -50)"),
        (["recommend", "toy story", "--genre-weight", "-1"], "--genre-weight"),
        (["recommend", "toy story", "--min-rating", "9"], "--min-rating"),
        (["recommend", "toy story", "--min-share", "2"], "--min-share"),
        (["recommend", "toy story", "--min-similarity", "5"], "--min-similarity"),
        (["search", "toy", "--min-similarity", "nan"], "got nan"),
        (["evaluate", "--min-rating", "0"], "--min-rating"),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("cache_env")
def test_the_cli_refuses_them_in_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str],
    tiny_dir: Path,
    args: list[str],
    message: str,
) -> None:
    code = main([*args, "--data-dir", str(tiny_dir)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == f"movie-recs: error: {captured.err[19:]}"
    assert captured.err.count("\n") == 1
    assert message in captured.err


@pytest.mark.parametrize(
    ("command", "absent"),
    [
        ("evaluate", ["--algorithm", "--limit", "--min-similarity", "--batch"]),
        ("search", ["--algorithm", "--min-share", "--genre-weight", "--damping"]),
        ("download", ["--data-dir", "--rebuild", "--limit"]),
        ("cache", ["--data-dir", "--rebuild", "--limit"]),
    ],
)
def test_options_a_command_ignores_are_not_offered(
    capsys: pytest.CaptureFixture[str], command: str, absent: list[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    usage = capsys.readouterr().out
    for option in absent:
        assert option not in usage
    for option in absent:
        with pytest.raises(SystemExit) as stop:
            main([command, *(["info"] if command == "cache" else []), option, "1"])
        assert stop.value.code == 2
