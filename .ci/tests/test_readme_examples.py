"""Tests of .ci/readme-examples: a checked output block passes only when it prints what it shows."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "readme-examples"


def load_script() -> ModuleType:
    """Import the extension-less script as a module."""
    loader = SourceFileLoader("readme_examples", str(SCRIPT))
    spec = spec_from_loader("readme_examples", loader)
    assert spec is not None
    module = module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    loader.exec_module(module)
    return module


EXAMPLES = load_script()
README = """\
<!-- readme-check output -->
```console
$ echo one && echo two
one
t...
$ printf 'a\\nb\\nc\\n'; (exit 3)  # exits 3
...
c
```

<!-- readme-check -->
```console
$ echo anything
not compared
```
"""


class OutputMatchingTest(unittest.TestCase):
    """``...`` stands for any text in a line, or for any number of lines on its own."""

    def test_exact_lines_match(self) -> None:
        self.assertTrue(EXAMPLES.output_matches(("a", "b"), ["a", "b  "]))

    def test_a_missing_or_extra_line_does_not_match(self) -> None:
        self.assertFalse(EXAMPLES.output_matches(("a", "b"), ["a"]))
        self.assertFalse(EXAMPLES.output_matches(("a",), ["a", "b"]))

    def test_ellipsis_inside_a_line_stands_for_any_text(self) -> None:
        self.assertTrue(EXAMPLES.output_matches(("42 passed in ...s",), ["42 passed in 3.1s"]))
        self.assertFalse(EXAMPLES.output_matches(("42 passed in ...s",), ["41 passed in 3.1s"]))

    def test_an_ellipsis_line_stands_for_any_number_of_lines(self) -> None:
        self.assertTrue(EXAMPLES.output_matches(("...", "end"), ["end"]))
        self.assertTrue(EXAMPLES.output_matches(("...", "end"), ["x", "y", "end"]))
        self.assertFalse(EXAMPLES.output_matches(("...", "end"), ["end", "more"]))

    def test_regular_expression_characters_are_literal(self) -> None:
        self.assertFalse(EXAMPLES.output_matches(("a.c",), ["abc"]))


class OutputBlockTest(unittest.TestCase):
    """A block after the output marker runs and compares each command's output."""

    def blocks(self, text: str) -> list[list[object]]:
        with tempfile.TemporaryDirectory() as folder:
            readme = Path(folder) / "README.md"
            readme.write_text(text, encoding="utf-8")
            return EXAMPLES.checked_blocks(readme)

    def run_block(self, block: list[object]) -> list[str]:
        """Run a block as the script does and return its output mismatches."""
        named = [
            EXAMPLES.Example(EXAMPLES.REPO / "README.md", e.line, e.command, e.expected_status, e.shown)
            for e in block
        ]
        with tempfile.TemporaryDirectory() as output_dir:
            result = subprocess.run(
                ["bash", "-c", EXAMPLES.block_script(named)],
                env=dict(os.environ, READMES_OUTPUT=output_dir),
                capture_output=True, text=True, check=False,
            )
            self.assertEqual(result.returncode, 0, result.stderr)
            return EXAMPLES.output_mismatches(named, Path(output_dir))

    def test_shown_output_is_kept_per_command_only_after_the_output_marker(self) -> None:
        compared, plain = self.blocks(README)
        self.assertEqual([e.shown for e in compared], [("one", "t..."), ("...", "c")])
        self.assertEqual([e.expected_status for e in compared], [0, 3])
        self.assertEqual([e.shown for e in plain], [None])

    def test_a_block_that_prints_what_it_shows_passes(self) -> None:
        self.assertEqual(self.run_block(self.blocks(README)[0]), [])

    def test_a_block_that_prints_something_else_fails_naming_the_command(self) -> None:
        block = self.blocks(README.replace("t...", "three"))[0]
        mismatches = self.run_block(block)
        self.assertEqual(len(mismatches), 1)
        self.assertIn("`echo one && echo two` printed\none\ntwo\n", mismatches[0])


if __name__ == "__main__":
    unittest.main()
