"""ABC-SMC over every calibrated leaf: the proposal kernel keeps the particle weights from collapsing.

The toy (``abc_toy``) reads only two of the fourteen calibrated leaves, so with all fourteen
free, twelve are not identified at all: their posterior is their prior box. That is the shape
that made the 14-parameter calibration collapse (effective sample size 7 of 200 after one
generation with pyabc's default kernel; see the module doc of cvirisk/calibration/bayes.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from abc_toy import toy_simulate, toy_targets

import cvirisk.cli as cli
from cvirisk.calibration.bayes import (
    ABCConfig,
    Prior,
    declared_priors,
    from_abc,
    generations,
    run_abc,
    to_abc,
)
from cvirisk.params import load_params

POPULATION = 100


def _ess_shares(tmp_path, **kw) -> list[float]:
    params = load_params()
    keys = tuple(p.key for p in declared_priors(params))
    assert len(keys) == 14
    cfg = ABCConfig(population_size=POPULATION, generations=3, n=400, seed=3, max_evaluations=100_000,
                    min_acceptance=0.0, keys=keys, **kw)  # fmt: skip
    h = run_abc(params, toy_targets(), cfg, tmp_path / "k.db", simulate=toy_simulate, progress=False)
    return (generations(h)["ess"] / POPULATION).tolist()


def test_fourteen_free_parameters_keep_a_fifth_of_the_population_effective(tmp_path):
    """The key test of the kernel: with the default configuration no generation falls below 20% ESS.

    Deterministic (seeded sampler), so the bound is exact for this seed; 20% is twice the
    report's warning level. pyabc's default kernel (``scaling=1``) gives 11% then 2% here.
    """
    shares = _ess_shares(tmp_path)
    assert len(shares) == 3 and shares[0] == pytest.approx(1.0)
    assert min(shares) >= 0.2, shares


def test_logit_scale_round_trips_and_maps_the_prior_to_the_real_line():
    p = Prior("a", "loguniform", 0.001, 0.1)
    v = np.array([0.0011, 0.01, 0.099])
    assert from_abc(p, to_abc(p, v, "logit"), "logit") == pytest.approx(v)
    assert float(to_abc(p, 0.01, "logit")) == pytest.approx(0.0)  # the prior's median -> 0
    assert to_abc(p, v, "prior") == pytest.approx(np.log10(v))


def test_bad_kernel_scaling_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("calibrate",))
    with pytest.raises(SystemExit) as exc:
        cli.main(["calibrate", "--bayes", "--kernel-scaling", "0", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and "--kernel-scaling" in err


def test_point_defaults_are_written_into_the_parameter_file_with_their_source(tmp_path):
    import shutil

    from cvirisk.calibration.bayes import POINT_SOURCE, write_point_defaults
    from cvirisk.params import get_value
    from cvirisk.params.loader import defaults_path

    f = tmp_path / "cvirisk.yaml"
    shutil.copy(defaults_path(), f)
    hr = "natural_history.transitions.varicose_veins.hazard_ratios.superficial_reflux"
    pig = "natural_history.transitions.pigmentation.rate_per_year"
    write_point_defaults(f, {hr: 7.123456, pig: 0.000412678})
    p = load_params(f)
    assert get_value(p, hr) == 7.123 and get_value(p, pig) == 0.0004127
    # a leaf without the prefix gets it once; writing again does not repeat it
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text('natural_history:\n  transitions:\n    pigmentation:\n'
                    '      rate_per_year: {value: 0.001, source: "assumption; x", calibrate: {low: 0.00005}}\n')  # fmt: skip
    for _ in range(2):
        write_point_defaults(tiny, {pig: 0.000412678})
    assert f'{{value: 0.0004127, source: "{POINT_SOURCE}assumption; x", calibrate' in tiny.read_text()
    with pytest.raises(Exception, match="no such leaf"):
        write_point_defaults(f, {"natural_history.transitions.nope.rate_per_year": 1.0})
