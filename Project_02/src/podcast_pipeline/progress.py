"""Progress reporting for long steps: a small interface and a tqdm implementation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tqdm import tqdm


class Progress(Protocol):
    """What a step reports while it works (the CLI shows it as a bar)."""

    def begin(self, phase: str, total: int) -> None:
        """A phase starts with ``total`` items."""

    def step(self, label: str) -> None:
        """One item of the phase is done."""

    def end(self) -> None:
        """The phase is over."""


class TqdmProgress:
    """One tqdm bar per phase, on stderr, shown only on a terminal by default."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        """Create the reporter.

        Args:
            enabled: True forces bars, False hides them, None shows them on a TTY.
        """
        self._disable = None if enabled is None else not enabled
        self._bar: tqdm[Any] | None = None

    def begin(self, phase: str, total: int) -> None:
        """Open a bar for ``phase``."""
        from tqdm import tqdm  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

        self.end()
        self._bar = tqdm(total=total, desc=phase, unit="episode", disable=self._disable)

    def step(self, label: str) -> None:
        """Advance the bar and show the item's label."""
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(label[:30])

    def end(self) -> None:
        """Close the current bar, if any."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
