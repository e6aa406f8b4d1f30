"""The promotion gate: not worse beyond tolerance on every held-out set."""

import pytest

from heart_disease.gate import Comparison, Scores, Tolerances, decide


def comparison(
    champion: tuple[float, float], challenger: tuple[float, float]
) -> Comparison:
    return Comparison("the rows", 100, Scores(*champion), Scores(*challenger))


@pytest.mark.parametrize(
    ("champion", "challenger", "promote"),
    [
        pytest.param((0.90, 0.10), (0.92, 0.09), True, id="better"),
        pytest.param((0.90, 0.10), (0.90, 0.10), True, id="equal"),
        pytest.param((0.90, 0.10), (0.891, 0.109), True, id="worse-within-tolerance"),
        pytest.param((0.90, 0.10), (0.889, 0.10), False, id="auc-beyond-tolerance"),
        pytest.param((0.90, 0.10), (0.95, 0.111), False, id="brier-beyond-tolerance"),
    ],
)
def test_each_rule_at_its_boundary(
    champion: tuple[float, float], challenger: tuple[float, float], promote: bool
) -> None:
    decision = decide([comparison(champion, challenger)], Tolerances())
    assert decision.promote is promote


def test_one_failing_set_keeps_the_champion_and_says_where() -> None:
    good = Comparison("the new rows", 50, Scores(0.9, 0.1), Scores(0.91, 0.09))
    bad = Comparison("the champion's rows", 184, Scores(0.94, 0.08), Scores(0.55, 0.3))
    decision = decide([good, bad], Tolerances())
    assert not decision.promote
    assert decision.reason.startswith("challenger worse: ROC AUC 0.5500 vs 0.9400")
    assert "the champion's rows (184 rows)" in decision.reason
    assert "Brier 0.3000 vs 0.0800" in decision.reason


def test_promotion_reason_lists_every_set() -> None:
    decision = decide(
        [comparison((0.9, 0.1), (0.9, 0.1)), comparison((0.8, 0.2), (0.85, 0.15))],
        Tolerances(),
    )
    assert decision.promote
    assert decision.reason.count("on the rows") == 2


def test_no_comparison_never_promotes() -> None:
    assert not decide([], Tolerances()).promote


def test_wider_tolerances_let_a_weaker_challenger_through() -> None:
    weaker = comparison((0.90, 0.10), (0.87, 0.12))
    assert not decide([weaker], Tolerances()).promote
    assert decide([weaker], Tolerances(roc_auc=0.05, brier=0.05)).promote


@pytest.mark.parametrize("value", [-0.1, 1.0])
def test_tolerances_outside_0_1_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="tolerance must be in"):
        Tolerances(roc_auc=value)
