"""Title search: the query vectorizer, ranking, typos, years, no match."""

from typing import Any

import numpy as np
import pytest

from movie_recommender.engine import Engine
from movie_recommender.errors import InputError
from movie_recommender.matching import QueryVectorizer
from movie_recommender.vectorizers import char_vectorizer, word_vectorizer

TITLES = ["toy story", "the godfather part ii", "a", "x  y", "star wars", "emma"]


@pytest.mark.parametrize("query", ["toy story 2", "godfater", "a", "x  y", "", "zz"])
@pytest.mark.parametrize(
    ("analyzer", "make"), [("word", word_vectorizer), ("char_wb", char_vectorizer)]
)
def test_query_vectorizer_equals_scikit_learn(
    query: str, analyzer: str, make: Any
) -> None:
    fitted = make().fit(TITLES)
    vocabulary = fitted.get_feature_names_out().tolist()
    mine = QueryVectorizer(analyzer, vocabulary, fitted.idf_)
    expected = fitted.transform([query]).toarray()
    assert np.allclose(mine.transform(query).toarray(), expected, atol=1e-6)


def test_search_ranks_exact_title_first(tiny_engine: Engine) -> None:
    found = tiny_engine.search("toy story")
    assert [m.movie_id for m in found[:2]] == [1, 2]
    assert found[0].similarity == pytest.approx(1.0)
    similarities = [m.similarity for m in found]
    assert similarities == sorted(similarities, reverse=True)


def test_search_forgives_a_typo(tiny_engine: Engine) -> None:
    assert tiny_engine.search("godfater")[0].movie_id == 3


def test_search_uses_the_trailing_year(tiny_engine: Engine) -> None:
    assert tiny_engine.search("godfather 1974")[0].movie_id == 4


def test_search_says_no_match_for_nonsense(tiny_engine: Engine) -> None:
    assert tiny_engine.search("qwxzv plmok") == []


def test_duplicate_titles_stay_distinct_by_movie_id(tiny_engine: Engine) -> None:
    found = tiny_engine.search("emma")
    # equally rated twins: the lower movieId first, both listed
    assert [(m.title, m.movie_id) for m in found[:2]] == [
        ("Emma (1996)", 5),
        ("Emma (1996)", 6),
    ]


@pytest.mark.parametrize(("query", "limit"), [("", 5), ("   ", 5), ("toy", 0)])
def test_search_refuses_empty_query_and_zero_limit(
    tiny_engine: Engine, query: str, limit: int
) -> None:
    with pytest.raises(InputError, match=r"empty|limit"):
        tiny_engine.search(query, limit)
