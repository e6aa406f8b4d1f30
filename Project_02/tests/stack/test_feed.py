"""The local feed server: ranges with If-Range, injected faults, delivery counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from stack.feed import EpisodeSpec, FeedServer, etag_of

BODY = bytes(range(256)) * 400  # 100 KiB


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer(
        [
            EpisodeSpec("plain", BODY),
            EpisodeSpec("flaky", BODY, faults=("503", "drop")),
            EpisodeSpec("dead", None),
            EpisodeSpec("broken", BODY, audio_url="http://[oops/x.mp3"),
        ]
    ).start()
    yield server
    server.stop()


def test_feed_lists_every_episode_newest_first(feed: FeedServer) -> None:
    xml = requests.get(feed.feed_url, timeout=5).text
    assert xml.index("plain") < xml.index("flaky") < xml.index("dead")
    assert 'url="http://[oops/x.mp3"' in xml
    assert f'url="{feed.audio_url("plain")}"' in xml


def test_a_full_answer_counts_as_one_delivery(feed: FeedServer) -> None:
    answer = requests.get(feed.audio_url("plain"), timeout=5)
    assert (answer.status_code, answer.content) == (200, BODY)
    assert answer.headers["ETag"] == etag_of(BODY)
    assert feed.deliveries.wait_completed("plain", 1)


def test_range_with_matching_if_range_resumes(feed: FeedServer) -> None:
    headers = {"Range": "bytes=1000-", "If-Range": etag_of(BODY)}
    answer = requests.get(feed.audio_url("plain"), headers=headers, timeout=5)
    assert answer.status_code == 206
    assert answer.headers["Content-Range"] == f"bytes 1000-{len(BODY) - 1}/{len(BODY)}"
    assert answer.content == BODY[1000:]
    assert feed.deliveries.wait_completed("plain", 1)


def test_range_with_a_stale_validator_gets_the_whole_file(feed: FeedServer) -> None:
    headers = {"Range": "bytes=1000-", "If-Range": '"changed"'}
    answer = requests.get(feed.audio_url("plain"), headers=headers, timeout=5)
    assert (answer.status_code, answer.content) == (200, BODY)


def test_faults_come_in_order_and_a_dropped_body_is_not_a_delivery(
    feed: FeedServer,
) -> None:
    assert requests.get(feed.audio_url("flaky"), timeout=5).status_code == 503
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(feed.audio_url("flaky"), timeout=5).raise_for_status()
    assert feed.deliveries.completed["flaky"] == 0
    answer = requests.get(feed.audio_url("flaky"), timeout=5)
    assert answer.content == BODY
    assert feed.deliveries.requests["flaky"] == 3
    assert feed.deliveries.wait_completed("flaky", 1)


def test_dead_episode_answers_404(feed: FeedServer) -> None:
    assert requests.get(feed.audio_url("dead"), timeout=5).status_code == 404


def test_throttled_body_arrives_whole() -> None:
    server = FeedServer([EpisodeSpec("slow", BODY)], bytes_per_second=2_000_000).start()
    try:
        assert requests.get(server.audio_url("slow"), timeout=5).content == BODY
    finally:
        server.stop()
