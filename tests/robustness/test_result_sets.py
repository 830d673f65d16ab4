"""Same inputs, same bytes, for every command that writes a folder; a rerun replaces the whole set."""

from __future__ import annotations

import numpy as np
import pytest
from robust_helpers import call, tree

from cvirisk.cohort import generate_cohort


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory):
    c = generate_cohort(200, seed=1)
    rng = np.random.default_rng(1)
    c["time"] = rng.exponential(5.0, len(c))
    c["status"] = (rng.random(len(c)) < 0.6).astype(int)
    path = tmp_path_factory.mktemp("fit") / "people.csv"
    c[["time", "status", "age", "bmi"]].to_csv(path, index=False)
    return path


COMMANDS = {
    "simulate": ["simulate", "--n", "40", "--seed", "3", "--years", "2", "--quiet"],
    "scenario": ["scenario", "--scenario", "smoking_down_third", "--n", "60", "--replications", "2", "--years", "2",
                 "--psa-draws", "2", "--quiet"],  # fmt: skip
    "fit": ["fit", "{fit}", "--duration", "time", "--event", "status", "--covariates", "age,bmi", "--model", "cox"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_same_inputs_same_bytes(command, fit_file, tmp_path, capsys):
    argv = [a.format(fit=fit_file) for a in COMMANDS[command]]
    for name in ("a", "b"):
        code, err = call([*argv, "--out", tmp_path / name], capsys)
        assert code == 0, err
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b and len(a) >= 3


def test_a_refit_replaces_the_whole_folder(fit_file, tmp_path, capsys):
    out = tmp_path / "out"
    base = ["fit", fit_file, "--duration", "time", "--event", "status", "--out", out]
    assert call([*base, "--covariates", "age,bmi", "--model", "cox"], capsys)[0] == 0
    cox = set(tree(out))
    assert call([*base, "--model", "km"], capsys)[0] == 0
    alone = tmp_path / "alone"
    assert call(["fit", fit_file, "--duration", "time", "--event", "status", "--model", "km", "--out", alone],
                capsys)[0] == 0  # fmt: skip
    assert tree(out) == tree(alone)  # none of the Cox model's figures stay beside the KM curve
    assert cox - set(tree(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone", "out"]
