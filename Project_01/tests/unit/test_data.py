"""Reading and validating the MovieLens tables."""

from pathlib import Path

import pandas as pd
import pytest

from movie_recommender.data import read_movies, read_ratings, sniff_format
from movie_recommender.data_files import dataset_files
from movie_recommender.errors import InputError


def test_reads_the_tiny_tables(tiny_dir: Path) -> None:
    movies = read_movies(tiny_dir / "movies.csv")
    ratings = read_ratings(tiny_dir / "ratings.csv")
    assert movies.movie_ids.tolist() == list(range(1, 9))
    assert movies.titles[2] == "Godfather, The (1972)"
    assert ratings.ratings.size == 19


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("userId,movieId\n1,2\n", "missing columns: rating"),
        ("userId,movieId,rating\n1,,4.0\n", "empty values in key column movieId"),
        ("userId,movieId,rating\n1,2,good\n", "rating is not numeric"),
        ("userId,movieId,rating\n1,2.5,4.0\n", "non-integer ids"),
        ("userId,movieId,rating,timestamp\n", "has no ratings, only a header"),
        (
            "userId,movieId,rating\n1,2,4.0\n7,3,50\n8,4,-3\n9,4,0.4\n",
            r"has 3 ratings outside 0.5-5, e.g. userId 7, movieId 3, rating 50$",
        ),
        ("userId,movieId,rating\n1,2,5.5\n", "has 1 ratings outside 0.5-5"),
    ],
)
def test_bad_ratings_are_refused_in_one_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_ratings(path)


def test_duplicate_movie_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "movies.csv"
    path.write_text("movieId,title,genres\n1,A,x\n1,B,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate movieIds"):
        read_movies(path)


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"PK\x03\x04rest-of-a-workbook", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003"),
    ],
)
def test_excel_given_as_csv_is_detected_by_content(
    tmp_path: Path, head: bytes, found: str
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(head)
    with pytest.raises(InputError, match=found):
        read_ratings(path)


def test_parquet_given_as_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    frame = pd.DataFrame({"userId": [1], "movieId": [2], "rating": [4.5]})
    frame.to_parquet(path)
    assert sniff_format(path) == "parquet"
    assert read_ratings(path).ratings.tolist() == [4.5]


def test_empty_and_missing_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "movies.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        read_movies(empty)
    with pytest.raises(InputError, match="missing data file"):
        read_movies(tmp_path / "nope.csv")


def test_data_directory_must_exist_and_hold_both_tables(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="data directory not found"):
        dataset_files(tmp_path / "absent")
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing data file: .*ratings\.csv"):
        dataset_files(tmp_path)
