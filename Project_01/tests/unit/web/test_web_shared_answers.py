"""Answers shared by the workers of one `serve` run: each computed once."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from movie_recommender.web.answer_cache import SharedAnswers
from movie_recommender.web.queries import RecommendationQuery, SearchQuery
from movie_recommender.web.service import Rendered, Service

TOY = RecommendationQuery((1,))


def test_an_answer_written_by_one_worker_is_read_by_another(tmp_path: Path) -> None:
    writer = SharedAnswers(tmp_path / "answers", 1024)
    reader = SharedAnswers(tmp_path / "answers", 1024)
    assert reader.get(TOY) is None
    writer.put(TOY, b'{"toy": 1}')
    assert reader.get(TOY) == b'{"toy": 1}'
    assert reader.get(RecommendationQuery((1,), limit=2)) is None
    assert reader.get(SearchQuery("toy")) is None
    staged = [path for path in (tmp_path / "answers").iterdir() if path.name[0] == "."]
    assert not staged, "the temporary file was renamed into place"


def test_a_worker_shares_at_most_its_bound(tmp_path: Path) -> None:
    shared = SharedAnswers(tmp_path / "answers", 15)
    shared.put(TOY, b"0123456789")
    shared.put(SearchQuery("toy"), b"0123456789")  # 20 bytes: over the bound
    assert shared.get(TOY) == b"0123456789"
    assert shared.get(SearchQuery("toy")) is None
    assert shared.written == 10


def test_a_zero_bound_shares_nothing(tmp_path: Path) -> None:
    shared = SharedAnswers(tmp_path / "answers", 0)
    shared.put(TOY, b"{}")
    assert shared.get(TOY) is None


def test_an_answer_that_cannot_be_written_stays_in_its_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = SharedAnswers(tmp_path / "answers", 1024)
    shared.folder.rmdir()
    shared.put(TOY, b"{}")
    assert "cannot share an answer in" in caplog.text
    assert shared.written == 0


def test_workers_of_one_run_compute_each_answer_once(
    make_client: Callable[..., TestClient],
    service: Service,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[RecommendationQuery] = []
    recommend = service.recommend

    def counted(query: RecommendationQuery) -> Rendered:
        computed.append(query)
        return recommend(query)

    monkeypatch.setattr(service, "recommend", counted)
    run_dir = tmp_path / "run"
    (run_dir / "ready").mkdir(parents=True)
    first, second = (make_client(service, run_dir=run_dir) for _ in range(2))
    answer = first.get("/api/recommendations", params={"movie_id": 1})
    again = second.get("/api/recommendations", params={"movie_id": 1})
    assert answer.status_code == again.status_code == 200
    assert again.content == answer.content
    assert computed == [TOY]
    text = second.get("/metrics").text
    assert 'movie_recs_answer_cache_total{result="shared"} 1.0' in text
    assert 'movie_recs_answer_cache_total{result="miss"}' not in text
