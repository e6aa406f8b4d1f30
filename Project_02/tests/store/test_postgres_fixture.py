"""Without PostgreSQL's binaries the server tests skip, naming the package; CI fails."""

from __future__ import annotations

import pytest

from tests.support import postgres


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_missing_binaries_skip_or_fail_naming_the_package(
    ci: str, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "_bindir", lambda: None)
    monkeypatch.setenv("CI", ci)
    server = postgres.postgres_server()
    with pytest.raises(outcome, match="Debian package `postgresql`"):
        server.__enter__()
