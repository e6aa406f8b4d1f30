"""Fetch a MovieLens zip from GroupLens, verify its MD5, unpack it into the cache."""

import hashlib
import logging
import re
import shutil
import urllib.error
import urllib.request
import urllib.response
import zipfile
from pathlib import Path

from tqdm import tqdm

from movie_recommender.errors import DownloadError, InputError
from movie_recommender.options import DownloadRequest
from movie_recommender.staging import make_staging, remove_abandoned

logger = logging.getLogger(__name__)

DATASETS = ("ml-latest-small", "ml-25m", "ml-32m", "ml-latest")
DEFAULT_BASE_URL = "https://files.grouplens.org/datasets/movielens"
BASE_URL_ENV = "MOVIELENS_BASE_URL"
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")
_BLOCK = 1 << 20


def dataset_url(base_url: str, dataset: str) -> str:
    """Return the zip URL of a data set under a base URL."""
    return f"{base_url.rstrip('/')}/{dataset}.zip"


def _open(url: str, timeout: float) -> urllib.response.addinfourl:
    if not url.startswith(("https://", "http://")):
        raise InputError(f"only http(s) URLs can be downloaded: {url}")
    try:
        # the caller closes the response  # pylint: disable-next=consider-using-with
        response: urllib.response.addinfourl = urllib.request.urlopen(  # noqa: S310  (http(s) only)
            url, timeout=timeout
        )
    except urllib.error.HTTPError as error:
        raise DownloadError(
            f"{url} answered HTTP {error.code} {error.reason}"
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(
            f"cannot reach {url} ({reason}); are you offline? "
            "Pass --data-dir to use a local copy"
        ) from error
    return response


def fetch_md5(url: str, timeout: float) -> str:
    """Read the expected MD5 from the ``.md5`` file GroupLens publishes beside a zip.

    Raises:
        DownloadError: when the checksum file is unreachable or unreadable.
    """
    with _open(f"{url}.md5", timeout) as response:
        text = response.read(4096).decode("ascii", "replace")
    found = _MD5.search(text)
    if not found:
        raise DownloadError(f"no MD5 checksum in {url}.md5")
    return found.group(1).lower()


def fetch_file(url: str, target: Path, timeout: float, *, progress: bool = True) -> str:
    """Stream ``url`` into ``target`` with a progress bar; return the MD5 of the bytes.

    Raises:
        DownloadError: on network failure or a truncated transfer.
    """
    digest = hashlib.md5()  # noqa: S324  (GroupLens publishes MD5; integrity, not security)
    with _open(url, timeout) as response, target.open("wb") as sink:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=target.name,
            disable=not progress,
        ) as progress_bar:
            try:
                for block in iter(lambda: response.read(_BLOCK), b""):
                    sink.write(block)
                    digest.update(block)
                    progress_bar.update(len(block))
            except (TimeoutError, OSError) as error:
                raise DownloadError(f"download of {url} failed: {error}") from error
    if total is not None and target.stat().st_size != total:
        raise DownloadError(f"download of {url} was truncated")
    return digest.hexdigest()


def _extract(archive: Path, destination: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle:
            root = destination.resolve()
            for member in bundle.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise DownloadError(f"unsafe path in the archive: {member}")
            bundle.extractall(destination)
    except zipfile.BadZipFile as error:
        raise DownloadError(f"{archive.name} is not a valid zip file") from error


def download_dataset(request: DownloadRequest) -> Path:
    """Download, verify and unpack a MovieLens data set; reuse it when present.

    ``request.dest/<dataset>`` receives the files; ``<dataset>.zip`` and
    ``<dataset>.zip.md5`` are read from ``request.base_url``; ``request.timeout``
    bounds each network wait.

    Returns:
        The data directory (``dest/<dataset>``).

    Raises:
        DownloadError: offline, HTTP error, checksum mismatch or a bad archive.
    """
    dataset, dest, timeout = request.dataset, request.dest, request.timeout
    if dataset not in DATASETS:
        raise InputError(f"unknown data set {dataset!r}: use one of {DATASETS}")
    folder = dest / dataset
    if (
        not request.force
        and (folder / "movies.csv").is_file()
        and (folder / "ratings.csv").is_file()
    ):
        logger.info("%s is already in %s", dataset, folder)
        return folder
    url = dataset_url(request.base_url, dataset)
    expected = fetch_md5(url, timeout)
    remove_abandoned(dest)
    scratch = make_staging(folder)
    try:
        archive = scratch / f"{dataset}.zip"
        actual = fetch_file(url, archive, timeout, progress=request.progress)
        if actual != expected:
            raise DownloadError(
                f"checksum mismatch for {dataset}.zip: "
                f"got {actual}, expected {expected}"
            )
        unpacked = scratch / "unpacked"
        _extract(archive, unpacked)
        source = unpacked / dataset if (unpacked / dataset).is_dir() else unpacked
        if folder.exists():
            shutil.rmtree(folder)
        source.replace(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("downloaded %s into %s", dataset, folder)
    return folder
