"""Temporary folders for atomic writes, and the removal of abandoned ones.

A staging folder is named ``.<target>.staging-<pid>-<random>`` beside its target,
so that a later run can tell one left by a killed process (its pid is gone) from
one that a concurrent process is still writing.
"""

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

_STAGING = re.compile(r"^\..+\.staging-(\d+)-[^/]+$")
# names an earlier version used without a pid: abandoned once older than this
_LEGACY = re.compile(r"^(tmp[a-z0-9_]{8}|\.ml-[a-z0-9-]+-[a-z0-9_]{8})$")
LEGACY_AGE_SECONDS = 3600.0


def make_staging(target: Path) -> Path:
    """Create and return an empty staging folder beside ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.staging-{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))


def process_alive(pid: int) -> bool:
    """Tell whether a process with this pid runs (another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def is_abandoned(folder: Path, now: float | None = None) -> bool:
    """Tell whether ``folder`` is a staging folder nobody is writing any more."""
    found = _STAGING.match(folder.name)
    if found:
        return not process_alive(int(found.group(1)))
    if _LEGACY.match(folder.name):
        age = (time.time() if now is None else now) - folder.stat().st_mtime
        return age > LEGACY_AGE_SECONDS
    return False


def is_staging(folder: Path) -> bool:
    """Tell whether ``folder`` is named like a staging folder (ours or legacy)."""
    return bool(_STAGING.match(folder.name) or _LEGACY.match(folder.name))


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the abandoned staging folders in ``parent``; return them."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for child in parent.iterdir():
        if child.is_dir() and not child.is_symlink() and is_abandoned(child):
            shutil.rmtree(child, ignore_errors=True)
            logger.info("removed an abandoned temporary folder: %s", child)
            removed.append(child)
    return removed


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a staging folder that replaces ``target`` when the block succeeds.

    Abandoned staging folders beside ``target`` are removed first; this one is
    removed when the block fails or is interrupted, so no half-written folder stays.
    """
    remove_abandoned(target.parent)
    staging = make_staging(target)
    try:
        yield staging
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
