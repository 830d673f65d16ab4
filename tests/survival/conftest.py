"""Small hand-made event logs in the simulator's contract (DESIGN.md, issue 5)."""

from __future__ import annotations

import pandas as pd
import pytest

ROWS = [
    (1, 18.0, -32.0, "entry", "history_start"),
    (1, 50.0, 0.0, "entry", "baseline"),
    (1, 50.0, 0.0, "covariate", "smoking=current"),
    (1, 52.0, 2.0, "covariate", "smoking=former"),
    (1, 53.0, 3.0, "ceap", "C2"),
    (1, 55.5, 5.5, "ceap", "C3"),
    (1, 57.0, 7.0, "dvt", ""),
    (1, 60.0, 10.0, "exit", "end_of_follow_up"),
    (2, 18.0, -22.0, "entry", "history_start"),
    (2, 30.0, -10.0, "ceap", "C2"),
    (2, 40.0, 0.0, "entry", "baseline"),
    (2, 44.0, 4.0, "ceap", "C4a"),
    (2, 46.0, 6.0, "death", "background"),
    (2, 46.0, 6.0, "exit", "death"),
    (3, 18.0, -42.0, "entry", "history_start"),
    (3, 60.0, 0.0, "entry", "baseline"),
    (3, 61.0, 1.0, "ceap", "C6"),
    (3, 61.5, 1.5, "ceap", "C5"),
    (3, 70.0, 10.0, "exit", "end_of_follow_up"),
]


@pytest.fixture
def events() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["person_id", "age", "t", "event", "detail"])
    return df.astype({"person_id": "int64", "event": "category"})


@pytest.fixture
def persons() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": [1, 2, 3], "sex": ["female", "male", "female"], "age": [50.0, 40.0, 60.0],
        "bmi": [30.0, 25.0, 20.0], "smoking": ["current", "never", "former"],
        "sedentary_work": [True, False, False], "family_history": [False, True, False],
        "parity": [2, 0, 1], "prior_dvt": [False, False, False], "congenital_absence": [False] * 3,
    })
