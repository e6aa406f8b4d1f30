"""Find the shared data sets the integration tests need (see ../README.md).

A variable's relative value is resolved from the directory the tests were started
in (where the user typed it; the root Makefile exports absolute paths). When the
variable is unset, the data is looked for in ``shared/data`` beside the repository.
Missing data skips the test with a message naming the variable and the path
tried, and fails it when ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]
SHARED_DATA = REPOSITORY.parent / "shared" / "data"


def shared_file(variable: str, default: Path) -> Path:
    """The file named by ``variable``, else ``default``; skip (CI: fail) if absent.

    Args:
        variable: The environment variable, e.g. ``PODCAST_TEST_AUDIO``.
        default: Where the file is when the variable is unset.

    Returns:
        The absolute path of an existing file.
    """
    value = os.environ.get(variable, "")
    if value:
        path = Path.cwd() / Path(value).expanduser()
        problem = f"{variable}={value} ({path.resolve()}) is not a file"
    else:
        path = default
        problem = f"{variable} is not set and the default {default} does not exist"
    if not path.is_file():
        message = (
            f"{problem}: set {variable} to the file (see ../shared/data/README.md)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path.resolve()
