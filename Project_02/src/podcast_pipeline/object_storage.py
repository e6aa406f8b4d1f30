"""Where the DAG keeps feed bodies and audio: one ``ObjectStoragePath`` root.

``PODCAST_DATA_DIR`` is read when a task runs (never when the DAG is parsed): a
folder (``file://``, the default ``~/.local/share/podcast-pipeline``) or any
fsspec URL such as ``s3://bucket/podcasts``. Tasks on different machines share
files only through this root; the steps themselves work on local files, so
files are copied in from and published out to a remote root around them.
Airflow is imported only inside these functions (they run in tasks).
"""

# ruff: noqa: PLC0415
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

LOCAL_PROTOCOLS = frozenset({"file", "local", ""})


def default_data_folder() -> Path:
    """``~/.local/share/podcast-pipeline`` (the CLI's default too)."""
    return Path.home() / ".local" / "share" / "podcast-pipeline"


def storage_root(environ: Mapping[str, str]) -> ObjectStoragePath:
    """The root for this task: ``PODCAST_DATA_DIR`` as a folder or a URL."""
    from airflow.sdk import ObjectStoragePath

    configured = environ.get("PODCAST_DATA_DIR", "")
    if "://" in configured:
        return ObjectStoragePath(configured)
    folder = Path(configured).expanduser() if configured else default_data_folder()
    return ObjectStoragePath(folder.absolute().as_uri())


def local_folder(root: ObjectStoragePath) -> Path | None:
    """The local folder behind a ``file://`` root, else None (remote)."""
    return Path(root.path) if root.protocol in LOCAL_PROTOCOLS else None


def staging_folder() -> Path:
    """A folder on this worker for files on their way to or from a remote root."""
    folder = Path(tempfile.gettempdir()) / "podcast-pipeline-staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def publish(local: Path, target: ObjectStoragePath) -> ObjectStoragePath:
    """Copy a finished local file to ``target`` (an object store put is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        local.open("rb") as source,
        target.open("wb") as stored,  # type: ignore[no-untyped-call]  # fsspec
    ):
        shutil.copyfileobj(source, stored)
    return target


def object_path(url: str) -> ObjectStoragePath:
    """The object at ``url`` (as recorded in XCom or the store)."""
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


@contextmanager
def local_copy(source: ObjectStoragePath) -> Iterator[Path]:
    """A temporary local copy of the object ``source`` (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="podcast-object-") as scratch:
        copy = Path(scratch) / source.name
        with (
            source.open("rb") as stored,  # type: ignore[no-untyped-call]  # fsspec
            copy.open("wb") as local,
        ):
            shutil.copyfileobj(stored, local)
        yield copy
