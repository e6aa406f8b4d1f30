"""The stack's exceptions; the CLI maps them to exit codes once."""

from __future__ import annotations


class StackError(Exception):
    """A runtime failure of the local stack (exit 1)."""

    exit_code = 1


class StackUsageError(StackError):
    """Bad usage or input, such as a malformed feed URL (exit 2)."""

    exit_code = 2


class MissingBinaryError(StackError):
    """A server binary the stack needs is not installed (exit 1)."""
