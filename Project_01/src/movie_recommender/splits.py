"""Hold-outs by time for the offline evaluation, and the two groups of users.

Two protocols, both by time, so that no model trains on what a user did after the
films it must find:

* leave-last-out: per user, the last film they loved (by timestamp; ties by
  movieId) is held out, and every rating of theirs at or after that moment is
  removed from the training ratings (other users' ratings all stay);
* global time split: the ratings after one moment (the last
  :data:`GLOBAL_TEST_SHARE` of all ratings) are removed; a user's held-out films
  are those they loved after it that someone rated before it (no model can know
  a film nobody had rated yet).

Users are split once, at random with a fixed seed, into a tuning group and a
reporting group: the defaults are chosen on the first, figures reported on the
second, and no user is in both.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from movie_recommender.build import rating_matrix
from movie_recommender.data import Movies, Ratings
from movie_recommender.errors import InputError

LOVED = 4.5  # a held-out film is one the user rated 4.5 or 5
GLOBAL_TEST_SHARE = 0.2
GROUP_SEED = 20190513
TUNING_SHARE = 0.5
LEAVE_LAST_OUT = "leave-last-out"
GLOBAL_TIME = "global-time"
PROTOCOLS = (LEAVE_LAST_OUT, GLOBAL_TIME)
TUNING, REPORTING = "tuning", "reporting"
GROUPS = (TUNING, REPORTING)


@dataclass(frozen=True)
class RatingLog:
    """Every rating with its time, users and films as matrix positions."""

    users: npt.NDArray[np.int32]
    items: npt.NDArray[np.int64]
    ratings: npt.NDArray[np.float32]
    times: npt.NDArray[np.int64]
    n_users: int
    n_items: int

    def matrix(self, keep: npt.NDArray[np.bool_]) -> sp.csr_matrix:
        """The users x items ratings of the rows where ``keep`` is True."""
        shape = (self.n_users, self.n_items)
        return rating_matrix(
            self.users[keep], self.items[keep], self.ratings[keep], shape
        )


@dataclass(frozen=True)
class Split:
    """Training ratings and, per evaluated user, what is held out.

    Attributes:
        protocol: :data:`LEAVE_LAST_OUT` or :data:`GLOBAL_TIME`.
        train: users x items training ratings (every user).
        users: the evaluated users (rows of ``train``), ascending.
        relevant: per evaluated user, the held-out films (loved, after the cut).
        seeds: per evaluated user, the last film they loved in the training
            ratings (the one-film task's seed).
    """

    protocol: str
    train: sp.csr_matrix
    users: npt.NDArray[np.int64]
    relevant: list[npt.NDArray[np.int64]]
    seeds: npt.NDArray[np.int64]


def rating_log(movies: Movies, ratings: Ratings) -> RatingLog:
    """The ratings as positions: films in movieId order, users in userId order.

    Ratings of films missing from the catalogue are left out, as the index does.

    Raises:
        InputError: when the ratings were read without their timestamps.
    """
    if ratings.timestamps is None:
        raise InputError("the evaluation needs the ratings' timestamp column")
    items = np.searchsorted(movies.movie_ids, ratings.movie_ids)
    known = items < movies.movie_ids.size
    known[known] = movies.movie_ids[items[known]] == ratings.movie_ids[known]
    user_ids, users = np.unique(ratings.user_ids[known], return_inverse=True)
    return RatingLog(
        users.astype(np.int32),
        items[known].astype(np.int64),
        ratings.ratings[known],
        ratings.timestamps[known],
        int(user_ids.size),
        int(movies.movie_ids.size),
    )


def user_groups(n_users: int) -> npt.NDArray[np.bool_]:
    """True for the users of the tuning group (about :data:`TUNING_SHARE`)."""
    order = np.random.default_rng(GROUP_SEED).permutation(n_users)
    tuning = np.zeros(n_users, dtype=bool)
    tuning[order[: round(TUNING_SHARE * n_users)]] = True
    return tuning


def make_split(log: RatingLog, protocol: str, group: str) -> Split:
    """Hold out by ``protocol`` and keep the users of ``group``.

    Raises:
        InputError: for an unknown protocol or group, or when no user of the
            group has a film to find and a loved film to start from.
    """
    if group not in GROUPS:
        raise InputError(f"unknown group {group!r}: use one of {GROUPS}")
    if protocol == LEAVE_LAST_OUT:
        train_rows, held = _leave_last_out(log)
    elif protocol == GLOBAL_TIME:
        train_rows, held = _global_time(log)
    else:
        raise InputError(f"unknown protocol {protocol!r}: use one of {PROTOCOLS}")
    in_group = user_groups(log.n_users) == (group == TUNING)
    frame = _frame(log)
    seeds = _last_loved(frame[train_rows])
    held = held[held["user"].isin(seeds.index) & in_group[held["user"].to_numpy()]]
    if held.empty:
        raise InputError(
            f"no user of the {group} group has a film to find by {protocol}: "
            f"nothing to evaluate (a held-out film is one rated {LOVED:g} or 5)"
        )
    grouped = held.groupby("user")["item"]
    users = np.array(sorted(grouped.groups), dtype=np.int64)
    relevant = [np.sort(grouped.get_group(user).to_numpy()) for user in users]
    return Split(
        protocol,
        log.matrix(train_rows),
        users,
        relevant,
        seeds.reindex(users).to_numpy().astype(np.int64),
    )


def _frame(log: RatingLog) -> pd.DataFrame:
    return pd.DataFrame(
        {"user": log.users, "item": log.items, "rating": log.ratings, "time": log.times}
    )


def _last_loved(frame: pd.DataFrame) -> "pd.Series[int]":
    """Per user, the film loved last (by time, then movieId)."""
    loved = frame[frame["rating"] >= LOVED].sort_values(["user", "time", "item"])
    last: pd.Series[int] = loved.groupby("user")["item"].last()
    return last


def _leave_last_out(
    log: RatingLog,
) -> tuple[npt.NDArray[np.bool_], pd.DataFrame]:
    frame = _frame(log)
    loved = frame[frame["rating"] >= LOVED].sort_values(["user", "time", "item"])
    last = loved.groupby("user").tail(1)
    cut = np.full(log.n_users, np.iinfo(np.int64).max)
    cut[last["user"].to_numpy()] = last["time"].to_numpy()
    train_rows = log.times < cut[log.users]
    return train_rows, last[["user", "item"]]


def _global_time(log: RatingLog) -> tuple[npt.NDArray[np.bool_], pd.DataFrame]:
    cutoff = int(np.quantile(log.times, 1.0 - GLOBAL_TEST_SHARE))
    train_rows = log.times < cutoff
    known = np.zeros(log.n_items, dtype=bool)
    known[log.items[train_rows]] = True
    frame = _frame(log)
    later = (~train_rows) & (log.ratings >= LOVED) & known[log.items]
    return train_rows, frame.loc[later, ["user", "item"]]
