"""The hold-outs by time and the two user groups, on hand-made rating logs."""

from pathlib import Path

import numpy as np
import pytest

from movie_recommender.data import Movies, Ratings, read_movies, read_ratings
from movie_recommender.errors import InputError
from movie_recommender.splits import (
    GLOBAL_TIME,
    LEAVE_LAST_OUT,
    REPORTING,
    TUNING,
    RatingLog,
    Split,
    make_split,
    rating_log,
    user_groups,
)


def _log(rows: list[tuple[int, int, float, int]]) -> RatingLog:
    users, films, stars, times = (
        np.array(column) for column in zip(*rows, strict=True)
    )
    movies = Movies(np.arange(1, 7), [f"Film {i}" for i in range(1, 7)], ["Drama"] * 6)
    ratings = Ratings(users, films, stars.astype(np.float32), times)
    return rating_log(movies, ratings)


def _both_groups(
    rows: list[tuple[int, int, float, int]], protocol: str
) -> dict[int, tuple[Split, int]]:
    log = _log(rows)
    found = {}
    for group in (TUNING, REPORTING):
        try:
            split = make_split(log, protocol, group)
        except InputError:
            continue
        for number, user in enumerate(split.users):
            found[int(user)] = (split, number)
    return found


def test_leave_last_out_hides_the_last_loved_film_and_everything_after() -> None:
    rows = [
        (1, 1, 5.0, 10), (1, 2, 4.5, 20), (1, 3, 5.0, 30), (1, 4, 2.0, 30),
        (1, 5, 3.0, 40),  # after the last loved film: removed from training
        (2, 1, 5.0, 10), (2, 6, 4.5, 50),
    ]  # fmt: skip
    found = _both_groups(rows, LEAVE_LAST_OUT)
    split, number = found[0]
    assert split.relevant[number].tolist() == [2]  # film 3 is item 2
    assert split.seeds[number] == 1  # film 2, the last loved one before it
    train = split.train.toarray()
    assert train[0].tolist() == [5.0, 4.5, 0, 0, 0, 0]  # film 4 (same second) goes too
    other, other_number = found[1]
    assert other.relevant[other_number].tolist() == [5]
    assert other.train.toarray()[1].tolist() == [5.0, 0, 0, 0, 0, 0]


def test_a_user_whose_loved_films_share_one_moment_has_no_seed() -> None:
    rows = [(1, 1, 5.0, 10), (1, 2, 5.0, 10), (2, 1, 5.0, 1), (2, 2, 5.0, 2)]
    found = _both_groups(rows, LEAVE_LAST_OUT)
    assert set(found) == {1}


def test_global_time_keeps_films_someone_rated_before_the_cut() -> None:
    early = [(1, 1, 5.0, 1), (1, 2, 4.5, 2), (2, 1, 5.0, 3), (2, 3, 5.0, 4)]
    late = [(1, 3, 5.0, 100), (1, 6, 5.0, 101), (2, 2, 4.5, 102)]  # film 6 is new
    found = _both_groups(early + late, GLOBAL_TIME)
    assert set(found) == {0, 1}
    split, number = found[0]
    assert split.relevant[number].tolist() == [2]  # film 3: user 2 rated it before
    assert split.seeds[number] == 1
    assert split.train.nnz == len(early)
    split, number = found[1]
    assert split.relevant[number].tolist() == [1]


def test_the_groups_split_the_users_once_and_for_all() -> None:
    tuning = user_groups(610)
    assert tuning.sum() == 305
    assert np.array_equal(tuning, user_groups(610))


def test_no_user_appears_in_both_groups(small_dir: Path) -> None:
    log = rating_log(
        read_movies(small_dir / "movies.csv"),
        read_ratings(small_dir / "ratings.csv", with_times=True),
    )
    for protocol in (LEAVE_LAST_OUT, GLOBAL_TIME):
        tuning = make_split(log, protocol, TUNING).users
        reporting = make_split(log, protocol, REPORTING).users
        assert tuning.size
        assert reporting.size
        assert not set(tuning) & set(reporting)


def test_ratings_without_timestamps_cannot_be_evaluated(tiny_dir: Path) -> None:
    movies = read_movies(tiny_dir / "movies.csv")
    with pytest.raises(InputError, match="timestamp"):
        rating_log(movies, read_ratings(tiny_dir / "ratings.csv"))


def test_a_missing_timestamp_column_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("userId,movieId,rating\n1,1,5.0\n", "utf-8")
    with pytest.raises(InputError, match="missing columns: timestamp"):
        read_ratings(path, with_times=True)


def test_an_unknown_protocol_or_group_is_refused(small_dir: Path) -> None:
    log = rating_log(
        read_movies(small_dir / "movies.csv"),
        read_ratings(small_dir / "ratings.csv", with_times=True),
    )
    with pytest.raises(InputError, match="unknown protocol"):
        make_split(log, "random", TUNING)
    with pytest.raises(InputError, match="unknown group"):
        make_split(log, LEAVE_LAST_OUT, "everyone")
