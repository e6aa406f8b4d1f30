"""MLflow tracking and the model registry: runs, versions and the champion alias.

By default the store is embedded: a SQLite file and an artifact folder under
``.data/mlflow/`` in the current folder. ``--tracking-uri`` or
``MLFLOW_TRACKING_URI`` point at a team's ``mlflow server`` instead.

Models are logged with skops (no pickle) and loaded back through
:func:`heart_disease.artifacts.load_model`, which applies this project's own
allow-list of types rather than the one stored inside the model.
"""

import contextlib
import io
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from heart_disease.artifacts import TRUSTED_TYPES
from heart_disease.errors import TrackingError

logger = logging.getLogger(__name__)

MODEL_NAME = "heart-disease"
EXPERIMENT = "heart-disease"
CHAMPION = "champion"
DEFAULT_STORE = Path(".data/mlflow")
URI_ENV = "MLFLOW_TRACKING_URI"
REPORT_FOLDER = "report"
MODEL_FOLDER = "model"
# A CLI must fail in seconds, not after MLflow's default minutes of retries.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


@dataclass(frozen=True)
class ModelVersion:
    """One registered version, with what ``models`` shows about it."""

    version: int
    run_id: str
    aliases: tuple[str, ...]
    created: int
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggedRun:
    """The run a command logged and the model version it registered, if any."""

    run_id: str
    version: int | None


def resolve_tracking_uri(
    explicit: str | None, environ: Mapping[str, str], store: Path = DEFAULT_STORE
) -> str:
    """Pick the tracking URI: the option, $MLFLOW_TRACKING_URI, or the embedded store.

    Args:
        explicit: ``--tracking-uri``, if given.
        environ: The environment.
        store: The embedded store's folder (relative to the current folder).

    Returns:
        A URI MLflow understands.
    """
    if explicit:
        return explicit
    if environ.get(URI_ENV):
        return environ[URI_ENV]
    return f"sqlite:///{(store / 'mlflow.db').resolve()}"


def _sqlite_path(uri: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(uri.removeprefix(prefix)) if uri.startswith(prefix) else None


@contextlib.contextmanager
def _translated(action: str, uri: str) -> Iterator[None]:
    """Turn MLflow and connection failures into one-line TrackingErrors."""
    try:
        yield
    except MlflowException as error:
        first_line = str(error.message).strip().splitlines()[0][:300]
        raise TrackingError(
            f"MLflow at {uri}: cannot {action}: {first_line}"
        ) from error
    except (ConnectionError, OSError) as error:
        raise TrackingError(f"MLflow at {uri}: cannot {action}: {error}") from error


class Registry:
    """The ``heart-disease`` experiment and registered model in one MLflow store."""

    def __init__(self, tracking_uri: str) -> None:
        """Connect to (and, for the embedded store, create) the tracking store.

        Args:
            tracking_uri: From :func:`resolve_tracking_uri`.

        Raises:
            TrackingError: The store cannot be opened.
        """
        for name, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
        _quiet_mlflow_logging()
        self.uri = tracking_uri
        database = _sqlite_path(tracking_uri)
        artifact_root = None
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            artifact_root = (database.parent / "artifacts").resolve().as_uri()
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(tracking_uri)
        self.client = MlflowClient(tracking_uri, tracking_uri)
        with _translated("open the experiment", tracking_uri):
            experiment = self.client.get_experiment_by_name(EXPERIMENT)
            self.experiment_id = (
                experiment.experiment_id
                if experiment is not None
                else self.client.create_experiment(
                    EXPERIMENT, artifact_location=artifact_root
                )
            )

    def champion(self) -> ModelVersion | None:
        """Return the version the ``champion`` alias points at, if any."""
        with _translated("read the champion", self.uri):
            if not self._model_exists():
                return None
            aliases = self.client.get_registered_model(MODEL_NAME).aliases
            version = aliases.get(CHAMPION)
            return None if version is None else self.version(int(version))

    def version(self, number: int) -> ModelVersion:
        """Return one registered version with its run's metrics and params."""
        with _translated(f"read version {number}", self.uri):
            found = self.client.get_model_version(MODEL_NAME, str(number))
            if found.run_id is None:
                raise TrackingError(f"{MODEL_NAME} version {number} has no run")
            run = self.client.get_run(found.run_id)
            return ModelVersion(
                version=int(found.version),
                run_id=found.run_id,
                aliases=tuple(found.aliases),
                created=int(found.creation_timestamp),
                tags={**run.data.tags, **dict(found.tags)},
                metrics=dict(run.data.metrics),
                params=dict(run.data.params),
            )

    def versions(self) -> list[ModelVersion]:
        """Every registered version, newest first."""
        with _translated("list the model versions", self.uri):
            if not self._model_exists():
                return []
            found = self.client.search_model_versions(f"name='{MODEL_NAME}'")
        numbers = sorted((int(v.version) for v in found), reverse=True)
        return [self.version(number) for number in numbers]

    def _model_exists(self) -> bool:
        return bool(self.client.search_registered_models(f"name='{MODEL_NAME}'"))

    def log_run(
        self,
        run_name: str,
        record: "RunRecord",
        model: Any | None = None,
    ) -> LoggedRun:
        """Log one run; register ``model`` as a new version when given.

        Args:
            run_name: The run's display name (``train``, ``retrain``).
            record: Parameters, metrics, tags and the report folder.
            model: A fitted pipeline to log with skops and register.

        Returns:
            The run id and the new version number.
        """
        with (
            _translated("log the run", self.uri),
            mlflow.start_run(
                experiment_id=self.experiment_id, run_name=run_name, tags=record.tags
            ) as run,
        ):
            mlflow.log_params(record.params)
            mlflow.log_metrics(record.metrics)
            if record.report_dir is not None:
                mlflow.log_artifacts(str(record.report_dir), REPORT_FOLDER)
            version = None
            if model is not None:
                info = self._log_model(model, record.requirements)
                version = int(info.registered_model_version)
                logger.info("registered %s version %d", MODEL_NAME, version)
            return LoggedRun(run.info.run_id, version)

    @staticmethod
    def _log_model(model: Any, requirements: list[str]) -> Any:
        # MLflow prints its registration messages to stderr; keep them in the log.
        console = io.StringIO()
        with contextlib.redirect_stderr(console):
            info = mlflow.sklearn.log_model(
                model,
                name=MODEL_FOLDER,
                serialization_format="skops",
                skops_trusted_types=sorted(TRUSTED_TYPES),
                registered_model_name=MODEL_NAME,
                pip_requirements=requirements,
            )
        for line in console.getvalue().splitlines():
            logger.info("mlflow: %s", line)
        return info

    def tag(self, logged: LoggedRun, tags: Mapping[str, str]) -> None:
        """Tag a run (and its model version) with a decision and its reason."""
        with _translated("tag the run", self.uri):
            for key, value in tags.items():
                self.client.set_tag(logged.run_id, key, value)
                if logged.version is not None:
                    self.client.set_model_version_tag(
                        MODEL_NAME, str(logged.version), key, value
                    )

    def promote(self, version: int) -> None:
        """Point ``champion`` at ``version`` (one atomic update of the alias)."""
        with _translated(f"move {CHAMPION} to version {version}", self.uri):
            self.client.set_registered_model_alias(MODEL_NAME, CHAMPION, str(version))
        logger.info("%s is now version %d", CHAMPION, version)

    def download_model(self, version: int, destination: Path) -> Path:
        """Download a version's model folder (it holds ``model.skops``)."""
        with _translated(f"download version {version}", self.uri):
            return Path(
                mlflow.artifacts.download_artifacts(
                    artifact_uri=f"models:/{MODEL_NAME}/{version}",
                    dst_path=str(destination),
                    tracking_uri=self.uri,
                )
            )

    def download_report(self, run_id: str, destination: Path) -> Path:
        """Download a run's report folder (metrics, profile, held-out rows)."""
        with _translated("download the run's report", self.uri):
            return Path(
                self.client.download_artifacts(run_id, REPORT_FOLDER, str(destination))
            )


@dataclass(frozen=True)
class RunRecord:
    """What one run logs besides the model."""

    params: dict[str, Any]
    metrics: dict[str, float]
    tags: dict[str, str]
    report_dir: Path | None = None
    requirements: list[str] = field(default_factory=list)


def _quiet_mlflow_logging() -> None:
    """Let MLflow's and alembic's loggers follow the CLI's level and format."""
    for name in ("mlflow", "alembic"):
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
        library_logger.setLevel(logging.NOTSET)
