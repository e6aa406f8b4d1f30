"""Feed bodies are written whole: overlapping runs never read a part."""

import threading
from pathlib import Path

import pytest

from podcast_pipeline.steps.feeds import write_atomically


def test_write_atomically_replaces_the_file_and_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"<old/>")
    write_atomically(target, b"<rss>new</rss>")
    assert target.read_bytes() == b"<rss>new</rss>"
    assert [path.name for path in tmp_path.iterdir()] == ["feed.xml"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"<old/>")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"<old/>"
    assert [path.name for path in tmp_path.iterdir()] == ["feed.xml"]


def test_a_reader_racing_writers_sees_only_whole_bodies(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    bodies = [bytes([65 + n]) * 2_000_000 for n in range(2)]
    write_atomically(target, bodies[0])
    stop = threading.Event()

    def keep_writing() -> None:
        for round_number in range(40):
            write_atomically(target, bodies[round_number % 2])
        stop.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    seen = set()
    while not stop.is_set():
        seen.add(target.read_bytes())
    writer.join()
    assert seen <= set(bodies)
