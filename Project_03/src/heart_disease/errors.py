"""The exceptions heart_disease raises; the CLI maps them to exit codes."""


class HeartDiseaseError(Exception):
    """A failure the user can act on; the CLI prints it as one line (exit 1)."""

    exit_code = 1


class InputError(HeartDiseaseError):
    """Bad usage or bad input: a wrong option, an unusable file (exit 2)."""

    exit_code = 2


class DataFormatError(InputError):
    """A file is missing, empty, or not CSV, Parquet or Excel."""


class DataValidationError(InputError):
    """A table does not meet the schema: columns, types, codes, ranges, size."""


class DataNotFoundError(InputError):
    """No training data was given and none is configured or cached."""


class DataDriftError(InputError):
    """New data drifts from the champion's training data beyond the thresholds."""


class ModelLoadError(InputError):
    """A model directory is missing, incomplete, or holds types we do not trust."""


class NoChampionError(InputError):
    """The registry has no champion yet: train a model first."""


class DownloadError(HeartDiseaseError):
    """The public data could not be fetched (offline, HTTP error, bad content)."""


class TrackingError(HeartDiseaseError):
    """The MLflow tracking server or store failed (unreachable, refused, broken)."""
