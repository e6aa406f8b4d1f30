"""Input formats are chosen by content, never by the file name."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from heart_disease.errors import DataFormatError
from heart_disease.readers import detect_format, read_table, write_table


@pytest.mark.parametrize(
    ("writer", "expected"),
    [
        pytest.param(lambda f, p: f.to_csv(p, index=False), "csv", id="csv"),
        pytest.param(
            lambda f, p: f.to_csv(p, index=False, sep=";"), "csv", id="csv-semicolon"
        ),
        pytest.param(
            lambda f, p: f.to_parquet(p, index=False), "parquet", id="parquet"
        ),
        pytest.param(
            lambda f, p: f.to_excel(p, index=False, engine="openpyxl"),
            "excel",
            id="xlsx",
        ),
    ],
)
def test_each_format_reads_back_the_same_table(
    tmp_path: Path, heart_frame: pd.DataFrame, writer: object, expected: str
) -> None:
    # A misleading extension on purpose: the content decides.
    path = tmp_path / "table.data"
    writer(heart_frame, path)  # type: ignore[operator]
    assert detect_format(path) == expected
    table = read_table(path)
    assert list(table.columns) == list(heart_frame.columns)
    assert len(table) == len(heart_frame)
    assert table["Age"].tolist() == heart_frame["Age"].tolist()
    assert table["ST_Slope"].tolist() == heart_frame["ST_Slope"].tolist()


def test_parquet_named_csv_is_read_as_parquet(
    tmp_path: Path, heart_frame: pd.DataFrame
) -> None:
    path = tmp_path / "heart.csv"
    heart_frame.to_parquet(path)
    assert detect_format(path) == "parquet"
    assert len(read_table(path)) == len(heart_frame)


def test_csv_header_spaces_and_bom_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "spaced.csv"
    path.write_text("\ufeff Age , Sex\n40,M\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["Age", "Sex"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00\x00", "binary content", id="binary"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "legacy Excel", id="xls"
        ),
        pytest.param(b"\xff\xfe\x00A\x00g", "binary content", id="utf16"),
    ],
)
def test_other_content_is_a_clear_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=expected):
        read_table(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("heart.csv", "Age\n1\n")
    with pytest.raises(DataFormatError, match="zip archive that is not an Excel"):
        read_table(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no such file"):
        read_table(tmp_path / "absent.csv")


def test_unparseable_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text('a,b\n1,2\n3,"4\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match="cannot read as csv"):
        read_table(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_table_round_trips(
    tmp_path: Path, heart_frame: pd.DataFrame, suffix: str
) -> None:
    path = tmp_path / "out" / f"predictions{suffix}"
    write_table(heart_frame, path)
    assert read_table(path)["MaxHR"].tolist() == heart_frame["MaxHR"].tolist()
