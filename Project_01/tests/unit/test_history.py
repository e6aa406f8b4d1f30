"""Several films or a user's history: EASE, its cache, the engine and batch lines."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from movie_recommender.cli import main
from movie_recommender.engine import Engine, is_history_line
from movie_recommender.errors import CacheError, InputError
from movie_recommender.history import (
    _GRAM_BLOCK,
    _low_rank,
    _mirror_upper,
    fit_history,
    load_history,
    rating_weights,
    save_history,
)
from movie_recommender.options import RecommendOptions
from movie_recommender.render import dumps
from movie_recommender.store import open_index


@pytest.fixture
def small_engine(small_dir: Path, tmp_path: Path) -> Engine:
    index = open_index(small_dir, tmp_path / "index")
    return Engine(index, tmp_path / "history")


def test_ease_is_the_closed_form_of_steck_2019() -> None:
    rng = np.random.default_rng(0)
    ratings = np.where(
        rng.random((30, 6)) < 0.5, rng.choice([1.0, 3.0, 5.0], (30, 6)), 0
    )
    matrix = sp.csr_matrix(ratings)
    model = fit_history(matrix, min_ratings=1, regularization=0.5)
    weighted = np.where(ratings > 0, rating_weights(ratings), 0.0)
    gram = weighted.T @ weighted
    gram += 0.5 * np.diag(gram).mean() * np.eye(6)
    inverse = np.linalg.inv(gram)
    expected = -inverse / np.diag(inverse)
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(model.weights, expected, atol=1e-5)
    assert model.weights.flags.c_contiguous  # rows are what a query reads
    items, scores = model.scores(np.array([0, 2]), np.array([3.0, 1.0]))
    assert np.allclose(scores, 3.0 * expected[0] + expected[2], atol=1e-5)
    assert items.tolist() == list(range(6))


def test_the_embedding_is_the_best_low_rank_view_of_the_gram_matrix() -> None:
    rng = np.random.default_rng(2)
    factors = rng.random((40, 5))
    gram = factors @ np.diag([9.0, 5.0, 3.0, 0.5, 0.1]) @ factors.T
    embedding = _low_rank(gram, 3)
    values, vectors = np.linalg.eigh(gram)
    best = vectors[:, -3:] @ np.diag(values[-3:]) @ vectors[:, -3:].T
    assert embedding.shape == (40, 3)
    assert embedding.dtype == np.float32
    assert np.allclose(embedding @ embedding.T, best, atol=1e-3 * np.abs(best).max())
    assert np.array_equal(_low_rank(gram, 3), embedding)  # the same model every time
    assert _low_rank(gram, 100).shape == (40, 40)  # a rank above the size: all of it


def test_co_occurrence_rows_cover_the_catalogue() -> None:
    matrix = sp.csr_matrix(np.array([[5.0, 4.0, 0], [5.0, 0, 0], [4.0, 3.0, 1.0]]))
    model = fit_history(matrix, min_ratings=2, rank=2)
    weighted = rating_weights(matrix.toarray()[:, :2]) * (matrix.toarray()[:, :2] > 0)
    row = model.co_occurrence(0)
    assert row is not None
    assert np.allclose(row[:2], (weighted.T @ weighted)[0], atol=1e-4)
    assert row[2] == 0.0  # a movie outside the model
    assert model.co_occurrence(2) is None  # a seed outside the model


def test_rare_movies_are_left_out_of_the_model() -> None:
    matrix = sp.csr_matrix(np.array([[5.0, 4.0, 0], [5.0, 0, 0], [4.0, 3.0, 1.0]]))
    model = fit_history(matrix, min_ratings=2)
    assert model.items.tolist() == [0, 1]
    assert model.column_of.tolist() == [0, 1, -1]
    items, scores = model.scores(np.array([2]), np.array([3.0]))
    assert not scores.any()
    assert items.tolist() == [0, 1]


def test_the_model_round_trips_and_refuses_other_data(tmp_path: Path) -> None:
    matrix = sp.csr_matrix(np.array([[5.0, 4.0], [5.0, 1.0], [2.0, 3.0]]))
    model = fit_history(matrix, min_ratings=1)
    key = {"n_ratings": 6}
    save_history(model, tmp_path / "history", key)
    loaded = load_history(tmp_path / "history", key, 2)
    assert np.array_equal(loaded.weights, model.weights)
    assert np.array_equal(loaded.embedding, model.embedding)
    assert [path.name for path in tmp_path.iterdir()] == ["history"]
    with pytest.raises(CacheError, match="other data"):
        load_history(tmp_path / "history", {"n_ratings": 7}, 2)
    np.save(tmp_path / "history" / "embedding.npy", np.zeros((3, 1), np.float32))
    with pytest.raises(CacheError, match="damaged"):
        load_history(tmp_path / "history", key, 2)
    (tmp_path / "history" / "weights.npy").write_bytes(b"garbage")
    with pytest.raises(CacheError, match="no usable history model"):
        load_history(tmp_path / "history", key, 2)


def test_several_films_get_their_taste_and_never_themselves(
    small_engine: Engine,
) -> None:
    answer = small_engine.recommend_movies([1, 2, 3, 2])
    assert [match.movie_id for match in answer.matches] == [1, 2, 3]
    assert answer.algorithm == "ease"
    recommended = [rec.movie_id for rec in answer.recommendations]
    assert not {1, 2, 3} & set(recommended)
    assert all(movie_id <= 10 for movie_id in recommended[:5])  # the same genre
    assert answer.to_dict()["match"]["movieId"] == 1


def test_a_user_history_excludes_everything_they_rated(small_engine: Engine) -> None:
    options = RecommendOptions(limit=40)
    answer = small_engine.recommend_user(5, options)
    row = small_engine.index.user_of(5)
    by_user = small_engine.index.by_user
    rated = small_engine.index.movie_ids[
        by_user.indices[by_user.indptr[row] : by_user.indptr[row + 1]]
    ]
    recommended = {rec.movie_id for rec in answer.recommendations}
    assert recommended
    assert not recommended & set(rated.tolist())
    assert answer.user is not None
    assert answer.user.ratings == rated.size
    assert answer.to_dict()["user"] == {"userId": 5, "ratings": int(rated.size)}
    assert answer.matches == []


def test_history_requests_refuse_single_film_algorithms_and_unknown_ids(
    small_engine: Engine,
) -> None:
    with pytest.raises(InputError, match="fans recommends for one film"):
        small_engine.recommend_movies([1, 2], RecommendOptions(algorithm="fans"))
    with pytest.raises(InputError, match="unknown userId: 999"):
        small_engine.recommend_user(999)
    with pytest.raises(InputError, match="unknown movieId: 999"):
        small_engine.recommend_movies([1, 999])
    with pytest.raises(InputError, match="at least one movieId"):
        small_engine.recommend_movies([])


def test_one_film_gets_ease_and_hybrid_is_an_option(small_engine: Engine) -> None:
    assert small_engine.recommend_movies([1]).algorithm == "ease"
    hybrid = small_engine.recommend_movies([1], RecommendOptions(algorithm="hybrid"))
    assert hybrid.algorithm == "hybrid"
    single = small_engine.recommend_movies([1], RecommendOptions(algorithm="ease"))
    assert single.algorithm == "ease"
    assert 1 not in [rec.movie_id for rec in single.recommendations]


def test_several_titles_unmatched_ones_are_named(small_engine: Engine) -> None:
    answer = small_engine.recommend_titles(["film 0-1 1991", "qxzvw", "film 0-2"])
    assert [match.movie_id for match in answer.matches] == [2, 3]
    assert "no movie title matches 'qxzvw'" in answer.note
    assert answer.recommendations


def test_the_history_model_is_cached_and_reused(
    small_dir: Path, tmp_path: Path
) -> None:
    index = open_index(small_dir, tmp_path / "index")
    first = Engine(index, tmp_path / "history")
    first.prepare_history()
    assert (tmp_path / "history" / "weights.npy").is_file()
    again = Engine(index, tmp_path / "history").history
    assert isinstance(again.weights, np.memmap)
    assert np.array_equal(again.weights, first.history.weights)
    assert np.array_equal(again.embedding, first.history.embedding)


def test_scores_are_full_precision_and_json_is_strict(small_engine: Engine) -> None:
    answer = small_engine.recommend_movies([1, 2])
    text = dumps(answer.to_dict())
    scores = [rec["score"] for rec in json.loads(text)["recommendations"]]
    assert scores == [rec.score for rec in answer.recommendations]
    assert any(len(repr(score)) > 10 for score in scores)
    with pytest.raises(ValueError, match="Out of range float values"):
        dumps({"score": math.nan})


@pytest.mark.usefixtures("cache_env")
def test_cli_several_titles_ids_and_a_user(
    capsys: pytest.CaptureFixture[str], small_dir: Path
) -> None:
    data = ["--data-dir", str(small_dir), "--format", "json"]
    assert main(["recommend", "film 0-1 1991", "film 0-2 1992", *data]) == 0
    by_title = json.loads(capsys.readouterr().out)
    assert [m["movieId"] for m in by_title["matches"]] == [2, 3]
    assert main(["recommend", "--movie-id", "2", "--movie-id", "3", *data]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert by_id["recommendations"] == by_title["recommendations"]
    assert by_id["query"] == "id:2,3"
    assert main(["recommend", "--user-id", "5", "--limit", "3", *data[:2]]) == 0
    table = capsys.readouterr().out
    assert table.startswith("user 5 (")
    assert "algorithm ease" in table


@pytest.mark.usefixtures("cache_env")
def test_batch_lines_for_films_and_users(
    capsys: pytest.CaptureFixture[str], small_dir: Path
) -> None:
    batch = small_dir / "batch.txt"
    batch.write_text(
        "id:1,2, 3\nuser:5\nUSER: 6\nuser:x\nuser:999\nid:1,abc\nfilm 0-1\n",
        encoding="utf-8",
    )
    assert main(["recommend", "--batch", str(batch), "--data-dir", str(small_dir)]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [len(a["matches"]) for a in answers[:3]] == [3, 0, 0]
    assert answers[1]["user"]["userId"] == 5
    assert answers[2]["query"] == "USER: 6"
    assert answers[3]["error"] == "not a userId: 'user:x' (write user:<userId>)"
    assert "unknown userId: 999" in answers[4]["error"]
    assert "not a movieId list" in answers[5]["error"]
    assert answers[6]["algorithm"] == "ease"


def test_the_upper_triangle_is_mirrored_across_blocks() -> None:
    rng = np.random.default_rng(1)
    size = 2 * _GRAM_BLOCK + 37  # three blocks, the last one partial
    full = rng.random((size, size), dtype=np.float32)
    symmetric = full + full.T
    upper = np.triu(symmetric)
    _mirror_upper(upper)
    assert np.array_equal(upper, symmetric)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("id:1,2", True),
        (" ID: 1 , 2 ", True),
        ("user:5", True),
        ("id:1", False),
        ("toy story", False),
        ("user:x", False),
        ("id:1,x", False),
    ],
)
def test_history_lines_are_recognised(line: str, expected: bool) -> None:
    assert is_history_line(line) is expected
