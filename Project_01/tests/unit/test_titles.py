"""Cleaning titles and queries."""

from typing import Any

import pytest

from movie_recommender.titles import (
    clean_main_title,
    clean_query,
    clean_title,
    split_year,
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("Babylon 5", ("Babylon 5", 0)),
        ("Cosmos (1980-)", ("Cosmos", 1980)),
    ],
)
def test_split_year_reads_the_trailing_year(title: str, expected: Any) -> None:
    assert split_year(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Godfather: Part II, The (1974)", ("the godfather part ii", 1974)),
        ("Matrix, The (1999)", ("the matrix", 1999)),
        ("Amélie (2001)", ("amelie", 2001)),
    ],
)
def test_clean_title_moves_the_article_and_drops_accents(
    title: str, expected: Any
) -> None:
    assert clean_title(title) == expected


def test_main_title_is_the_head_before_a_subtitle() -> None:
    assert clean_main_title("Star Wars: Episode IV - A New Hope (1977)") == "star wars"
    assert clean_main_title("Seven (a.k.a. Se7en) (1995)") == "seven"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("matrix 1999", ("matrix", 1999)),
        ("Toy Story (1995)", ("toy story", 1995)),
        ("1984", ("1984", 0)),
        ("  ", ("", 0)),
    ],
)
def test_clean_query_understands_a_trailing_year(query: str, expected: Any) -> None:
    assert clean_query(query) == expected
