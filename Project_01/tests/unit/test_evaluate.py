"""The evaluation protocols, baselines and intervals on generated data."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from movie_recommender.evaluate import (
    HISTORY,
    SINGLE_SEED,
    Split,
    evaluate,
    hits,
    holdout_split,
)
from movie_recommender.options import EvaluateOptions
from movie_recommender.render import render_evaluation
from movie_recommender.store import open_index


def test_the_split_hides_a_loved_movie_of_users_with_three() -> None:
    ratings = np.array(
        [[5.0, 4.5, 5.0, 1.0], [5.0, 4.5, 0.0, 3.0], [4.5, 5.0, 4.5, 4.5]]
    )
    split = holdout_split(sp.csr_matrix(ratings), 0)
    assert split.users.tolist() == [0, 2]  # user 1 loved only two
    for user, hidden, seed in zip(
        split.users, split.held_out, split.seeds, strict=True
    ):
        assert hidden != seed
        assert ratings[user, hidden] >= 4.5
        assert ratings[user, seed] >= 4.5
        assert split.train[user, hidden] == 0
        assert split.train[user, seed] == ratings[user, seed]


def test_a_hit_skips_what_the_user_rated_and_ties_count_against_it() -> None:
    train = sp.csr_matrix(np.array([[5.0, 0, 0, 0, 0]]))
    split = Split(np.array([0]), np.array([3]), np.array([0]), train)
    ranked = np.array([9.0, 1.0, 2.0, 3.0, 0.5])  # the rated movie 0 is skipped
    assert hits(split, lambda _: ranked, 1).tolist() == [True]
    tied = np.array([9.0, 3.0, 2.0, 3.0, 0.5])
    assert hits(split, lambda _: tied, 1).tolist() == [False]
    assert hits(split, lambda _: tied, 2).tolist() == [True]
    unscored = np.array([9.0, 3.0, 2.0, -np.inf, -np.inf])
    assert hits(split, lambda _: unscored, 4).tolist() == [False]


def test_both_protocols_compare_with_the_stronger_baseline(
    small_dir: Path, tmp_path: Path
) -> None:
    index = open_index(small_dir, tmp_path / "index")
    result = evaluate(index.by_user, index.genres, EvaluateOptions(repeats=3))
    protocols = {entry.protocol: entry for entry in result.protocols}
    assert set(protocols) == {SINGLE_SEED, HISTORY}
    for entry in protocols.values():
        baselines = ("popularity-all", "popularity-loved")
        assert entry.baseline == max(baselines, key=entry.mean)
        assert entry.ratios[entry.baseline].value == pytest.approx(1.0)
        for ratio in entry.ratios.values():
            if ratio.value is not None:
                assert ratio.low is not None
                assert ratio.high is not None
                assert ratio.low <= ratio.value <= ratio.high
        assert all(len(rates) == 3 for rates in entry.hit_rates.values())
    history = protocols[HISTORY]
    assert history.mean("ease") > 1.5 * history.mean(history.baseline)
    assert result.random_seeds == [100, 101, 102]
    assert not result.overlaps_tuning


def test_reporting_on_tuning_splits_is_flagged(small_dir: Path, tmp_path: Path) -> None:
    index = open_index(small_dir, tmp_path / "index")
    options = EvaluateOptions(first_seed=4, repeats=1)
    result = evaluate(index.by_user, index.genres, options)
    assert result.overlaps_tuning
    text = render_evaluation(result, "table")
    assert "warning: some of these splits were used for tuning" in text
