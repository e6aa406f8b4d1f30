"""Shared fixtures: small synthetic heart tables, the real data, a local HTTP server."""

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from heart_disease.schema import FEATURES, TARGET


def make_heart_frame(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Build a plausible heart table whose target depends on the features."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "Age": rng.integers(30, 78, rows),
            "Sex": rng.choice(["M", "F"], rows, p=[0.75, 0.25]),
            "ChestPainType": rng.choice(["ATA", "NAP", "ASY", "TA"], rows),
            "RestingBP": rng.integers(100, 180, rows),
            "Cholesterol": rng.integers(150, 350, rows),
            "FastingBS": rng.integers(0, 2, rows),
            "RestingECG": rng.choice(["Normal", "ST", "LVH"], rows),
            "MaxHR": rng.integers(80, 200, rows),
            "ExerciseAngina": rng.choice(["Y", "N"], rows),
            "Oldpeak": rng.integers(0, 40, rows) / 10,
            "ST_Slope": rng.choice(["Up", "Flat", "Down"], rows),
        }
    )
    score = (
        0.05 * (frame["Age"] - 54)
        + 1.5 * (frame["ChestPainType"] == "ASY")
        + 1.2 * (frame["ExerciseAngina"] == "Y")
        + 0.8 * frame["Oldpeak"]
        - 1.5 * (frame["ST_Slope"] == "Up")
        - 0.02 * (frame["MaxHR"] - 140)
        + rng.normal(0, 0.8, rows)
    )
    frame[TARGET] = (score > score.median()).astype(int)
    assert list(frame.columns) == [*FEATURES, TARGET]
    return frame


@pytest.fixture
def heart_frame() -> pd.DataFrame:
    return make_heart_frame()


@pytest.fixture
def heart_csv(tmp_path: Path, heart_frame: pd.DataFrame) -> Path:
    path = tmp_path / "heart.csv"
    heart_frame.to_csv(path, index=False)
    return path


# The shared data sit beside the repository: <repo>/../shared/data.
REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_HEART_DATA = REPOSITORY.parent / "shared" / "data" / "heart" / "heart.csv"


def missing_requirement(message: str) -> None:
    """Skip the test, or fail it under CI=true (CI must never pass by skipping)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: failing instead of skipping)")
    pytest.skip(message)


def resolve_heart_data(environ: Mapping[str, str]) -> Path | str:
    """The real heart.csv, or the reason it cannot be used.

    HEART_DATA wins (a relative value is taken from the folder pytest runs in,
    where the user typed the command); unset, the copy beside the repository.
    """
    value = environ.get("HEART_DATA", "")
    if value:
        path = Path(value).resolve()
        if path.is_file():
            return path
        shown = value if value == str(path) else f"{value} (resolved to {path})"
        return f"HEART_DATA={shown} is not a file"
    if DEFAULT_HEART_DATA.is_file():
        return DEFAULT_HEART_DATA
    return f"HEART_DATA is unset and the default {DEFAULT_HEART_DATA} does not exist"


@pytest.fixture(scope="session")
def heart_data() -> Path:
    """The real heart.csv: skipped with the reason when absent, failed under CI."""
    found = resolve_heart_data(os.environ)
    if isinstance(found, str):
        missing_requirement(found)
    assert isinstance(found, Path)
    return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Keep the test output clean."""


@pytest.fixture
def serve_directory() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1; yields a function returning its URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def _empty_tracking_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with its tables created once (the migrations take
    seconds); each test gets a copy."""
    from mlflow import MlflowClient  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    database = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(f"sqlite:///{database}").search_experiments()
    return database


@pytest.fixture(autouse=True)
def tracking_uri(
    _empty_tracking_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A fresh embedded MLflow store for every test, set as MLFLOW_TRACKING_URI
    (so that no test writes to the default store in .data/)."""
    store = tmp_path / "mlflow"
    store.mkdir()
    shutil.copyfile(_empty_tracking_store, store / "mlflow.db")
    uri = f"sqlite:///{store / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri
