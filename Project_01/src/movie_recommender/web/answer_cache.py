"""Bounded caches of rendered answers (the index is immutable while serving).

Each worker keeps the answers it used last in memory; with several workers, the
answers are also shared through files. Used from the event loop only: no lock.
"""

import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path

logger = logging.getLogger(__name__)


class AnswerCache:
    """Keep the most recently used answers up to a total size in bytes (LRU)."""

    def __init__(self, max_bytes: int) -> None:
        """Start empty; ``max_bytes`` 0 disables caching."""
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()

    def __len__(self) -> int:
        """Number of cached answers."""
        return len(self._entries)

    def get(self, key: Hashable) -> bytes | None:
        """The cached answer of ``key`` (now the most recent), or None."""
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Store an answer, evicting the least recently used beyond the bound."""
        if len(body) > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.size -= len(previous)
        self._entries[key] = body
        self.size += len(body)
        while self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted)


class SharedAnswers:
    """Answers written to a folder the workers share, so that each is computed once.

    One file per answer, named by a digest of its query, written atomically
    (a temporary file renamed into place): a reader sees a whole answer or none.
    The folder lives as long as ``serve`` (its run folder), like the index the
    answers come from. Each worker writes at most ``max_bytes``; beyond, its new
    answers stay in its own cache only.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        """Use ``folder`` (created if needed); ``max_bytes`` 0 writes nothing."""
        folder.mkdir(exist_ok=True)
        self.folder = folder
        self.max_bytes = max_bytes
        self.written = 0

    def _path(self, key: Hashable) -> Path:
        # the queries are frozen dataclasses: their repr is the same in every worker
        digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()
        return self.folder / digest

    def get(self, key: Hashable) -> bytes | None:
        """The answer another worker (or this one) wrote for ``key``, or None."""
        try:
            return self._path(key).read_bytes()
        except OSError:  # not written (yet), or unreadable: computed here
            return None

    def put(self, key: Hashable, body: bytes) -> None:
        """Write an answer for the other workers, within this worker's share."""
        if self.written + len(body) > self.max_bytes:
            return
        path = self._path(key)
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            staging.write_bytes(body)
            staging.replace(path)
        except OSError as error:  # a full disk: the answer stays in this worker
            logger.warning("cannot share an answer in %s: %s", self.folder, error)
            staging.unlink(missing_ok=True)
            return
        self.written += len(body)
