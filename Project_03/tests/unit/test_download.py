"""The UCI download, against a real HTTP server on 127.0.0.1."""

import socket
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from heart_disease.datasource import CACHED_TABLE
from heart_disease.download import (
    BASE_URL_ENV,
    UCI_BASE_URL,
    base_url_from,
    download_uci,
    parse_processed,
    to_heart_failure_schema,
)
from heart_disease.errors import DownloadError, InputError
from heart_disease.validation import validate_frame
from tests.uci_samples import UCI_ROWS, write_uci_folder


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_uci_codes_are_converted_to_the_heart_failure_schema() -> None:
    raw = parse_processed("\n".join(UCI_ROWS), "test")
    converted = to_heart_failure_schema(raw)
    first = converted.iloc[0]
    assert first["Sex"] == "M"
    assert first["ChestPainType"] == "TA"
    assert first["RestingECG"] == "LVH"
    assert first["ST_Slope"] == "Down"
    assert first["ExerciseAngina"] == "N"
    assert first["HeartDisease"] == 0
    assert converted["ChestPainType"].tolist()[:4] == ["TA", "ASY", "NAP", "ATA"]
    assert converted["HeartDisease"].tolist() == [0, 1, 0, 0, 1, 1, 1]
    assert converted["Sex"].tolist()[3] == "F"
    assert converted["FastingBS"].isna().tolist()[5]
    assert converted["ST_Slope"].isna().tolist()[6]


def test_download_converts_caches_and_reuses(
    tmp_path: Path, serve_directory: Callable[[Path], str]
) -> None:
    base_url = serve_directory(write_uci_folder(tmp_path / "mirror"))
    cache = tmp_path / "cache"
    result = download_uci(cache, base_url)
    assert not result.reused
    assert result.path == cache / CACHED_TABLE
    assert result.rows == 4 * len(UCI_ROWS)
    table = pd.read_csv(result.path)
    assert validate_frame(table).usable
    assert (cache / "raw" / "processed.va.data").is_file()
    assert (cache / "manifest.json").is_file()
    # Served from the cache even when the server is gone.
    again = download_uci(cache, closed_port_url())
    assert again.reused
    assert again.rows == result.rows


def test_force_downloads_again(
    tmp_path: Path, serve_directory: Callable[[Path], str]
) -> None:
    mirror = write_uci_folder(tmp_path / "mirror")
    base_url = serve_directory(mirror)
    cache = tmp_path / "cache"
    download_uci(cache, base_url)
    (mirror / "processed.va.data").write_text(UCI_ROWS[0] + "\n", encoding="utf-8")
    result = download_uci(cache, base_url, force=True)
    assert not result.reused
    assert result.rows == 3 * len(UCI_ROWS) + 1


def test_offline_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="are you offline"):
        download_uci(tmp_path, closed_port_url(), timeout=5)
    assert not (tmp_path / CACHED_TABLE).exists()


def test_missing_file_on_the_server_names_the_http_status(
    tmp_path: Path, serve_directory: Callable[[Path], str]
) -> None:
    mirror = write_uci_folder(tmp_path / "mirror")
    (mirror / "processed.va.data").unlink()
    with pytest.raises(DownloadError, match=r"processed\.va\.data: HTTP 404"):
        download_uci(tmp_path / "cache", serve_directory(mirror))


def test_content_that_is_not_uci_data_is_refused(
    tmp_path: Path, serve_directory: Callable[[Path], str]
) -> None:
    mirror = write_uci_folder(tmp_path / "mirror")
    (mirror / "processed.cleveland.data").write_text(
        "<html>moved</html>\n", encoding="utf-8"
    )
    with pytest.raises(DownloadError, match="not a UCI processed data file"):
        download_uci(tmp_path / "cache", serve_directory(mirror))
    assert not (tmp_path / "cache" / "raw" / "processed.cleveland.data").exists()


def test_only_http_urls_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only http and https"):
        download_uci(tmp_path / "cache", f"file://{tmp_path}/")


def test_base_url_comes_from_the_environment() -> None:
    assert base_url_from({}) == UCI_BASE_URL
    assert base_url_from({BASE_URL_ENV: "http://127.0.0.1:1/"}) == "http://127.0.0.1:1/"
