"""Tests of .ci/check-practices: a guide whose references resolve passes, any broken one fails."""

from __future__ import annotations

import sys
import tempfile
import textwrap
import unittest
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "check-practices"


def load_checker() -> ModuleType:
    """Import the extension-less script as a module."""
    loader = SourceFileLoader("check_practices", str(SCRIPT))
    spec = spec_from_loader("check_practices", loader)
    assert spec is not None
    module = module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    loader.exec_module(module)
    return module


CHECKER = load_checker()
MODULE = textwrap.dedent(
    """
    class Store:
        def claim(self):
            pass

    def main():
        pass
    """
)
TESTS = "def test_claim_is_idempotent():\n    pass\n"


class CheckPracticesTest(unittest.TestCase):
    """Each kind of reference, resolving and broken."""

    def setUp(self) -> None:
        self.folder = Path(self.enter(tempfile.TemporaryDirectory()))
        (self.folder / "src").mkdir()
        (self.folder / "src" / "store.py").write_text(MODULE, encoding="utf-8")
        (self.folder / "tests").mkdir()
        (self.folder / "tests" / "test_store.py").write_text(TESTS, encoding="utf-8")

    def enter(self, manager: tempfile.TemporaryDirectory[str]) -> str:
        """Enter a context manager for the length of the test."""
        self.addCleanup(manager.cleanup)
        return manager.name

    def problems(self, body: str) -> list[str]:
        guide = self.folder / "PRACTICES.md"
        guide.write_text(body, encoding="utf-8")
        return list(CHECKER.problems(guide))

    def test_resolving_references_pass(self) -> None:
        body = (
            "[`main`](src/store.py), [`Store.claim()`](src/store.py), [`store.py`](src/store.py),\n"
            "[`test_claim_is_idempotent`](tests/test_store.py), [the tests](tests),\n"
            "[a web page](https://example.org/x.py), [above](#section)\n"
        )
        self.assertEqual(self.problems(body), [])

    def test_missing_file_fails(self) -> None:
        found = self.problems("see [`main`](src/gone.py)\n")
        self.assertEqual(found, ["PRACTICES.md:1: src/gone.py does not exist"])

    def test_missing_symbol_fails(self) -> None:
        found = self.problems("\n[`Store.release`](src/store.py)\n")
        self.assertEqual(found, ["PRACTICES.md:2: Store.release is not defined in src/store.py"])

    def test_missing_test_fails(self) -> None:
        found = self.problems("[`test_claim_twice`](tests/test_store.py)\n")
        self.assertEqual(
            found, ["PRACTICES.md:1: test_claim_twice is not defined in tests/test_store.py"]
        )

    def test_main_exits_non_zero_on_a_broken_reference(self) -> None:
        guide = self.folder / "PRACTICES.md"
        guide.write_text("[`main`](src/gone.py)\n", encoding="utf-8")
        self.assertEqual(CHECKER.main([str(guide)]), 1)
        guide.write_text("[`main`](src/store.py)\n", encoding="utf-8")
        self.assertEqual(CHECKER.main([str(guide)]), 0)


if __name__ == "__main__":
    unittest.main()
