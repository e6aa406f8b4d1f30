"""The Heart Failure Prediction schema: column names, codes and plausible ranges."""

from dataclasses import dataclass

TARGET = "HeartDisease"

NUMERIC_FEATURES: tuple[str, ...] = (
    "Age",
    "RestingBP",
    "Cholesterol",
    "FastingBS",
    "MaxHR",
    "Oldpeak",
)
# Zero in these columns means "not measured" (172 Cholesterol rows in heart.csv).
ZERO_MEANS_MISSING: tuple[str, ...] = ("RestingBP", "Cholesterol")

CATEGORY_CODES: dict[str, tuple[str, ...]] = {
    "Sex": ("M", "F"),
    "ChestPainType": ("ATA", "NAP", "ASY", "TA"),
    "RestingECG": ("Normal", "ST", "LVH"),
    "ExerciseAngina": ("Y", "N"),
    "ST_Slope": ("Up", "Flat", "Down"),
}
CATEGORICAL_FEATURES: tuple[str, ...] = tuple(CATEGORY_CODES)

# The column order of heart.csv.
FEATURES: tuple[str, ...] = (
    "Age",
    "Sex",
    "ChestPainType",
    "RestingBP",
    "Cholesterol",
    "FastingBS",
    "RestingECG",
    "MaxHR",
    "ExerciseAngina",
    "Oldpeak",
    "ST_Slope",
)


@dataclass(frozen=True)
class ValueRange:
    """Inclusive physiological bounds of a numeric column.

    Attributes:
        low: Smallest plausible value.
        high: Largest plausible value.
        zero_allowed: Whether 0 is accepted as "not measured" below ``low``.
    """

    low: float
    high: float
    zero_allowed: bool = False

    def contains(self, value: float) -> bool:
        """Return whether ``value`` is plausible."""
        if self.zero_allowed and value == 0:
            return True
        return self.low <= value <= self.high


VALUE_RANGES: dict[str, ValueRange] = {
    "Age": ValueRange(1, 120),
    "RestingBP": ValueRange(50, 260, zero_allowed=True),
    "Cholesterol": ValueRange(50, 800, zero_allowed=True),
    "FastingBS": ValueRange(0, 1),
    "MaxHR": ValueRange(40, 250),
    "Oldpeak": ValueRange(-5, 10),
}
