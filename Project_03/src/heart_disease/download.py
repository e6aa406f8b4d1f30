"""Fetch the UCI Heart Disease archive and convert it to the Heart Failure schema."""

import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from heart_disease.dataset import file_sha256
from heart_disease.datasource import CACHED_TABLE
from heart_disease.errors import DownloadError, InputError
from heart_disease.schema import FEATURES, TARGET

logger = logging.getLogger(__name__)

UCI_BASE_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/heart-disease/"
)
BASE_URL_ENV = "HEART_DISEASE_UCI_URL"
UCI_FILES: dict[str, str] = {
    "cleveland": "processed.cleveland.data",
    "hungarian": "processed.hungarian.data",
    "switzerland": "processed.switzerland.data",
    "va": "processed.va.data",
}
UCI_COLUMNS: tuple[str, ...] = (
    "age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
    "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num",
)  # fmt: skip
_MAX_BYTES = 5 * 1024 * 1024
_INTEGER_COLUMNS = ("Age", "RestingBP", "Cholesterol", "FastingBS", "MaxHR")
_RENAMED = {
    "age": "Age",
    "trestbps": "RestingBP",
    "chol": "Cholesterol",
    "fbs": "FastingBS",
    "thalach": "MaxHR",
    "oldpeak": "Oldpeak",
}
_CODES: dict[str, tuple[str, dict[float, str]]] = {
    "sex": ("Sex", {1: "M", 0: "F"}),
    "cp": ("ChestPainType", {1: "TA", 2: "ATA", 3: "NAP", 4: "ASY"}),
    "restecg": ("RestingECG", {0: "Normal", 1: "ST", 2: "LVH"}),
    "exang": ("ExerciseAngina", {1: "Y", 0: "N"}),
    "slope": ("ST_Slope", {1: "Up", 2: "Flat", 3: "Down"}),
}


@dataclass(frozen=True)
class DownloadResult:
    """The converted table and how it was obtained."""

    path: Path
    rows: int
    positives: int
    reused: bool


def base_url_from(environ: Mapping[str, str]) -> str:
    """Return $HEART_DISEASE_UCI_URL when set, else the UCI archive address."""
    return environ.get(BASE_URL_ENV) or UCI_BASE_URL


def parse_processed(text: str, source: str) -> pd.DataFrame:
    """Parse one ``processed.*.data`` file (14 comma-separated fields, '?' missing).

    Raises:
        DownloadError: The content is not in that layout.
    """
    try:
        raw: pd.DataFrame = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=list(UCI_COLUMNS),
            na_values="?",
            skipinitialspace=True,
            on_bad_lines="error",
        ).apply(pd.to_numeric, errors="raise")
    except (ValueError, pd.errors.ParserError) as error:
        raise DownloadError(
            f"{source}: not a UCI processed data file: {error}"
        ) from error
    if raw.empty or raw["num"].isna().any():
        raise DownloadError(f"{source}: not a UCI processed data file (no diagnosis)")
    return raw


def to_heart_failure_schema(raw: pd.DataFrame) -> pd.DataFrame:
    """Convert UCI columns and numeric codes to the Heart Failure names and codes.

    Args:
        raw: Rows from :func:`parse_processed`.

    Returns:
        A table with the schema's features and ``HeartDisease`` = (num > 0).
    """
    converted = pd.DataFrame(index=raw.index)
    for uci_name, name in _RENAMED.items():
        converted[name] = raw[uci_name]
    for uci_name, (name, codes) in _CODES.items():
        converted[name] = raw[uci_name].map(codes)
    for name in _INTEGER_COLUMNS:
        converted[name] = converted[name].round().astype("Int64")
    converted[TARGET] = (raw["num"] > 0).astype("int64")
    return converted[[*FEATURES, TARGET]].reset_index(drop=True)


def _fetch(url: str, timeout: float) -> bytes:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise InputError(f"{url}: only http and https URLs are supported")
    try:
        # The scheme is checked above, so file:// and friends cannot get here.
        request = urllib.request.Request(url)  # noqa: S310  (http/https only)
        with urllib.request.urlopen(  # noqa: S310  (http/https only)
            request, timeout=timeout
        ) as response:
            body: bytes = response.read(_MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"cannot download {url}: HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(
            f"cannot download {url} ({reason}); are you offline? "
            "Retry when online, or pass --data PATH"
        ) from error
    if len(body) > _MAX_BYTES:
        raise DownloadError(f"{url}: larger than {_MAX_BYTES} bytes, refusing it")
    return body


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _fetch_raw(url: str, raw_path: Path, *, force: bool, timeout: float) -> Path:
    """Download one raw file unless it is cached; check it parses before keeping it."""
    if force or not raw_path.is_file():
        logger.info("downloading %s", url)
        body = _fetch(url, timeout)
        parse_processed(body.decode("utf-8", errors="replace"), url)
        raw_path.parent.mkdir(parents=True, exist_ok=True)
        raw_path.write_bytes(body)
    return raw_path


def download_uci(
    dest: Path,
    base_url: str = UCI_BASE_URL,
    *,
    force: bool = False,
    timeout: float = 30,
) -> DownloadResult:
    """Download the four UCI files once, convert and cache them as one CSV.

    Args:
        dest: Cache directory; raw files go to ``dest/raw``.
        base_url: Folder URL holding the ``processed.*.data`` files.
        force: Download again even when the converted table is cached.
        timeout: Seconds to wait for each response.

    Returns:
        Where the converted table is and whether the cache was reused.

    Raises:
        DownloadError: A file cannot be fetched or parsed.
    """
    table = dest / CACHED_TABLE
    if table.is_file() and not force:
        logger.info("reusing the cached download %s", table)
        cached = pd.read_csv(table)
        return DownloadResult(table, len(cached), int(cached[TARGET].sum()), True)
    parts, manifest = [], {}
    for file_name in UCI_FILES.values():
        url = urllib.parse.urljoin(base_url.rstrip("/") + "/", file_name)
        raw_path = _fetch_raw(
            url, dest / "raw" / file_name, force=force, timeout=timeout
        )
        parts.append(parse_processed(_read_text(raw_path), url))
        logger.info("%s: %d rows", file_name, len(parts[-1]))
        manifest[file_name] = {"url": url, "sha256": file_sha256(raw_path)}
    converted = to_heart_failure_schema(pd.concat(parts, ignore_index=True))
    partial = table.with_suffix(".csv.partial")
    converted.to_csv(partial, index=False)
    partial.replace(table)
    manifest_text = json.dumps({"sources": manifest, "rows": len(converted)}, indent=2)
    (dest / "manifest.json").write_text(manifest_text + "\n", encoding="utf-8")
    logger.info("wrote %d rows to %s", len(converted), table)
    return DownloadResult(table, len(converted), int(converted[TARGET].sum()), False)
