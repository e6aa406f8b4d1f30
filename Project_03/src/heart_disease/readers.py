"""Read and write tables, choosing the format by the file's content, not its name."""

import json
import logging
import zipfile
from pathlib import Path
from typing import Literal

import pandas as pd

from heart_disease.errors import DataFormatError, InputError

logger = logging.getLogger(__name__)

TableFormat = Literal["csv", "parquet", "excel"]

_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024


def detect_format(path: Path) -> TableFormat:
    """Tell CSV, Parquet and Excel (.xlsx) apart by the first bytes of a file.

    Args:
        path: The file to inspect.

    Returns:
        ``"csv"``, ``"parquet"`` or ``"excel"``.

    Raises:
        DataFormatError: The file is missing, empty, or in any other format.
    """
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        raise DataFormatError(f"{path}: the file is empty")
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(_ZIP_MAGIC):
        if _is_xlsx(path):
            return "excel"
        raise DataFormatError(
            f"{path}: a zip archive that is not an Excel workbook; "
            "expected CSV, Parquet or Excel (.xlsx)"
        )
    if head.startswith(_OLE2_MAGIC):
        raise DataFormatError(
            f"{path}: a legacy Excel 97-2003 (.xls) file; save it as .xlsx or CSV"
        )
    if b"\x00" in head or not _decodes_as_text(head):
        raise DataFormatError(
            f"{path}: not a CSV, Parquet or Excel (.xlsx) file (binary content)"
        )
    return "csv"


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _decodes_as_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sniffing boundary is still text.
        return error.start >= len(head) - 3 and len(head) == _SNIFF_BYTES
    return True


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV, Parquet or Excel file into a DataFrame.

    Args:
        path: The file; its format is detected from its content.

    Returns:
        The table, with the column names stripped of surrounding spaces.

    Raises:
        DataFormatError: The file cannot be read as a table.
    """
    table_format = detect_format(path)
    logger.debug("reading %s as %s", path, table_format)
    try:
        if table_format == "parquet":
            frame = pd.read_parquet(path)
        elif table_format == "excel":
            frame = pd.read_excel(path, engine="openpyxl")
        else:
            frame = pd.read_csv(path, sep=_guess_delimiter(path), encoding="utf-8-sig")
    except (ValueError, OSError, zipfile.BadZipFile, pd.errors.ParserError) as error:
        raise DataFormatError(
            f"{path}: cannot read as {table_format}: {error}"
        ) from error
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def _guess_delimiter(path: Path) -> str:
    """Pick the delimiter that occurs most in the header line (comma on ties)."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    return max((",", ";", "\t"), key=header.count)


WRITABLE_SUFFIXES: tuple[str, ...] = (".csv", ".json", ".parquet", ".xlsx")


def check_writable(path: Path) -> None:
    """Refuse an output path before any work is done, so nothing is half-written.

    Args:
        path: Where a table is to be written.

    Raises:
        InputError: The suffix is not one of :data:`WRITABLE_SUFFIXES`, or the
            path is an existing folder.
    """
    if path.suffix.lower() not in WRITABLE_SUFFIXES:
        raise InputError(
            f"{path}: cannot write a {path.suffix or 'suffix-less'} file; "
            f"use one of {', '.join(WRITABLE_SUFFIXES)}"
        )
    if path.is_dir():
        raise InputError(f"{path}: is a folder; pass a file name")


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table in the format its suffix names (see :func:`check_writable`).

    JSON is a strict array of row objects (missing cells as ``null``).

    Args:
        frame: The table to write.
        path: Where to write it; parent folders are created.

    Raises:
        InputError: The suffix is not writable.
    """
    check_writable(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    elif suffix == ".json":
        path.write_text(table_json(frame) + "\n", encoding="utf-8")
    else:
        frame.to_csv(path, index=False)


def table_json(frame: pd.DataFrame) -> str:
    """Render a table as a strict JSON array of row objects (NaN becomes null)."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return json.dumps(records, allow_nan=False, default=_json_scalar)


def _json_scalar(value: object) -> object:
    # numpy scalars that json cannot serialise themselves.
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
