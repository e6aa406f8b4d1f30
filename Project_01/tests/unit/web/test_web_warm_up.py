"""Readiness without an expensive warm-up: every algorithm once, on a median film."""

import pytest

from movie_recommender.engine import Answer
from movie_recommender.options import ALGORITHMS, RecommendOptions
from movie_recommender.web.service import Service


def test_warm_up_runs_every_algorithm_on_a_film_of_median_popularity(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = service.engine.index
    by_popularity = sorted(
        (-int(count), int(movie))
        for movie, count in zip(index.movie_ids, index.rating_counts, strict=True)
        if count > 0
    )
    median_film = by_popularity[len(by_popularity) // 2][1]
    assert median_film != by_popularity[0][1]  # not the most-rated film
    seeds: list[tuple[int | None, str | None]] = []
    recommend = service.engine.recommend

    def recorded(
        query: str | None, movie_id: int | None, options: RecommendOptions
    ) -> Answer:
        seeds.append((movie_id, options.algorithm))
        return recommend(query, movie_id, options)

    monkeypatch.setattr(service.engine, "recommend", recorded)
    service.warm_up()
    assert sorted(seeds) == sorted((median_film, name) for name in ALGORITHMS)
