"""Rows in the UCI processed layout, for the download tests' local server."""

from pathlib import Path

from heart_disease.download import UCI_FILES

# The lowercase UCI names of the Heart Failure columns (num is the diagnosis).
UCI_NAMES = {
    "Age": "age",
    "Sex": "sex",
    "ChestPainType": "cp",
    "RestingBP": "trestbps",
    "Cholesterol": "chol",
    "FastingBS": "fbs",
    "RestingECG": "restecg",
    "MaxHR": "thalach",
    "ExerciseAngina": "exang",
    "Oldpeak": "oldpeak",
    "ST_Slope": "slope",
    "HeartDisease": "num",
}

# Real rows in the UCI layout, with '?' where the archive has gaps.
UCI_ROWS = [
    "63.0,1.0,1.0,145.0,233.0,1.0,2.0,150.0,0.0,2.3,3.0,0.0,6.0,0",
    "67.0,1.0,4.0,160.0,286.0,0.0,2.0,108.0,1.0,1.5,2.0,3.0,3.0,2",
    "37.0,1.0,3.0,130.0,250.0,0.0,0.0,187.0,0.0,3.5,3.0,0.0,3.0,0",
    "41.0,0.0,2.0,130.0,204.0,0.0,2.0,172.0,0.0,1.4,1.0,0.0,3.0,0",
    "56.0,1.0,2.0,120.0,236.0,0.0,0.0,178.0,0.0,0.8,1.0,0.0,3.0,1",
    "32,1,1,95,0,?,0,127,0,.7,1,?,?,1",
    "54,1,4,?,0,0,1,?,?,?,?,?,?,3",
]


def write_uci_folder(root: Path) -> Path:
    """Write the four processed.*.data files, a few rows each, into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for index, file_name in enumerate(UCI_FILES.values()):
        rows = UCI_ROWS[index:] + UCI_ROWS[:index]
        (root / file_name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root
