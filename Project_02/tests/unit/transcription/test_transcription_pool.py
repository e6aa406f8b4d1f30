"""run_in_workers: real spawned workers that die, are replaced, and never outlive it."""

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest

from podcast_pipeline.transcription import WorkerDiedError
from podcast_pipeline.transcription.pool import REPLACEMENTS_PER_WORKER, run_in_workers

# The work functions run in spawned workers, so they live at module level.


def square(number: int) -> int:
    return number * number


def square_unless_negative(number: int) -> int:
    """Dies (SIGKILL, as the OOM killer does) on a negative number."""
    if number < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return number * number


def die(number: int) -> int:
    """Dies on every item, like an engine that kills its process on load."""
    os.kill(os.getpid(), signal.SIGKILL)
    return number


def sleep_for(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


def gone(pid: int) -> bool:
    """True when no process has this id (it ended and was reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(autouse=True)
def no_workers_left() -> Iterator[None]:
    yield
    assert not multiprocessing.active_children()


def test_every_item_is_answered_once() -> None:
    answers = dict(run_in_workers(square, range(7), workers=3))

    assert answers == {number: number * number for number in range(7)}


def test_a_worker_killed_mid_item_fails_that_item_and_is_replaced() -> None:
    items = [1, -1, 2, 3, -2, 4, 5]
    answers = {}
    for item, answer in run_in_workers(square_unless_negative, items, workers=2):
        assert len(multiprocessing.active_children()) <= 2
        answers[item] = answer

    assert sorted(answers) == sorted(items)
    for dead in (-1, -2):
        assert isinstance(answers[dead], WorkerDiedError)
        assert str(answers[dead]) == "a worker process died (killed by SIGKILL)"
    assert {item: answers[item] for item in items if item > 0} == {
        1: 1,
        2: 4,
        3: 9,
        4: 16,
        5: 25,
    }


def test_workers_dying_on_every_item_are_replaced_a_bounded_number_of_times() -> None:
    answers = list(run_in_workers(die, range(12), workers=2))

    assert sorted(item for item, _ in answers) == list(range(12))
    assert all(isinstance(answer, WorkerDiedError) for _, answer in answers)
    messages = [str(answer) for _, answer in answers]
    deaths = 2 + REPLACEMENTS_PER_WORKER * 2  # the first workers, then each replacement
    assert messages.count("a worker process died (killed by SIGKILL)") == deaths
    assert messages[deaths:] == [f"not started: {deaths} worker processes died"] * (
        12 - deaths
    )


def test_closing_early_terminates_the_busy_workers() -> None:
    answers = run_in_workers(sleep_for, [0, 3600, 3600], workers=3)

    assert next(answers) == (0, 0)
    busy = [child.pid for child in multiprocessing.active_children()]
    answers.close()

    assert len(busy) == 2
    assert all(pid is not None and gone(pid) for pid in busy)
