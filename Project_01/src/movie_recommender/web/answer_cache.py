"""A bounded least-recently-used cache of rendered answers (the index is immutable).

Used from the event loop only, so it needs no lock.
"""

from collections import OrderedDict
from collections.abc import Hashable


class AnswerCache:
    """Keep the most recently used answers up to a total size in bytes."""

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
