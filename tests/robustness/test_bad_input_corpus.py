"""Every command, every class of bad input: exit 2, one line, no traceback, nothing written.

Each case is one row: the command line (with placeholders for files made by the fixture),
and a fragment the one-line message must hold (the file, the column or option, the rows).
The whole folder the case works in must be byte-for-byte the same afterwards: no output
folder, no temporary folder, no lock file, no parent folder created on the way.
Cases run in this process (the CLI's ``main``); the process boundary is covered by
``test_faults.py``.
"""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest
from robust_helpers import call, tree

from cvirisk.sim.testing import uniform_cohort

N = 8


def _cohort(**cols) -> pd.DataFrame:
    return uniform_cohort(N, age=np.linspace(30, 70, N)).assign(**cols)


def _col(values, fill, i=None):
    """A column of N values ``fill`` with ``values`` at the given rows (0-based)."""
    out = [fill] * N
    for k, v in values.items():
        out[k] = v
    return out


#: name -> (cohort frame, or raw CSV text)
COHORTS = {
    "negative_bmi": _cohort(bmi=_col({3: -22.0}, 25.0)),
    "fractional_id": _cohort(person_id=[0, 1, 2, 3, 3.5, 5, 6, 7]),
    "duplicate_id": _cohort(person_id=[0, 1, 2, 3, 4, 5, 6, 2]),
    "parity_negative": _cohort(sex="female", parity=_col({1: -1}, 0)),
    "parity_huge": _cohort(sex="female", parity=_col({6: 1e9}, 0)),
    "parity_man": _cohort(parity=_col({2: 2}, 0)),
    "bool_maybe": _cohort(family_history=_col({4: "maybe"}, "false")),
    "bool_seven": _cohort(congenital_absence=_col({5: 7}, 0)),
    "quit_after_baseline": _cohort(smoking="former", smoking_quit_age=_col({2: 95.0}, 25.0)),
    "quit_for_never": _cohort(smoking_quit_age=_col({0: 25.0}, np.nan)),
    "prior_dvt_200": _cohort(prior_dvt=True, prior_dvt_age=_col({7: 200.0}, 25.0)),
    "prior_dvt_missing": _cohort(prior_dvt=_col({1: True}, False)),
    "text_in_age": _cohort(age=_col({3: "forty"}, "50")),
    "text_in_bmi": _cohort(bmi=_col({0: "n/a!"}, "25")),
    "age_too_young": _cohort(age=_col({5: 12.0}, 40.0)),
    "age_nan": _cohort(age=_col({6: np.nan}, 40.0)),
    "sex_unknown": _cohort(sex=_col({2: "x"}, "male")),
    "weight_zero": _cohort(weight=_col({3: 0.0}, 1.0)),
    "infinite_bmi": _cohort(bmi=_col({4: np.inf}, 25.0)),
    "missing_column": _cohort().drop(columns=["bmi"]),
}
RAW = {
    "empty_file": "",
    "header_only": ",".join(_cohort().columns) + "\n",
    "repeated_column": _cohort().assign(extra=1).to_csv(index=False).replace("extra", "bmi", 1),
    "not_csv": "\x00\x01\x02garbage",
}
#: name -> fragment of the message (file and column are checked for every cohort case)
COHORT_MESSAGES = {
    "negative_bmi": "column 'bmi': not a positive finite number in rows 4 (1 row)",
    "fractional_id": "column 'person_id': not a non-negative whole number in rows 5 (1 row)",
    "duplicate_id": "column 'person_id': duplicate ids in rows 3, 8 (2 rows)",
    "parity_negative": "column 'parity': not a whole number of births from 0 to 127 in rows 2 (1 row)",
    "parity_huge": "column 'parity': not a whole number of births from 0 to 127 in rows 7 (1 row)",
    "parity_man": "column 'parity': births recorded for a man in rows 3 (1 row)",
    "bool_maybe": "column 'family_history': not true/false (or 1/0) in rows 5 (1 row)",
    "bool_seven": "column 'congenital_absence': not true/false (or 1/0) in rows 6 (1 row)",
    "quit_after_baseline": "column 'smoking_quit_age': missing or outside [0, age] for a former smoker in rows 3 (1 row)",
    "quit_for_never": "column 'smoking_quit_age': given for a person who is not a former smoker in rows 1 (1 row)",
    "prior_dvt_200": "column 'prior_dvt_age': missing or outside [0, age] for a person with prior_dvt in rows 8 (1 row)",
    "prior_dvt_missing": "column 'prior_dvt_age': missing or outside [0, age] for a person with prior_dvt in rows 2 (1 row)",
    "text_in_age": "column 'age': not a number in rows 4 (1 row)",
    "text_in_bmi": "column 'bmi': not a number in rows 1 (1 row)",
    "age_too_young": "column 'age': outside the simulated ages [18, 100) in rows 6 (1 row)",
    "age_nan": "column 'age': not an age in [0, 120] in rows 7 (1 row)",
    "sex_unknown": "column 'sex': not one of female, male in rows 3 (1 row)",
    "weight_zero": "column 'weight': not a positive finite number in rows 4 (1 row)",
    "infinite_bmi": "column 'bmi': not a positive finite number in rows 5 (1 row)",
    "missing_column": "missing column(s) 'bmi'",
    "empty_file": "the file is empty",
    "header_only": "the file has no data rows",
    "repeated_column": "column name(s) 'bmi' appear more than once",
    "not_csv": "the file has no data rows",
}
SIM = ["--years", "1", "--quiet"]
CHUNKED = [*SIM, "--engine", "fast", "--surgery-approximation", "unlimited", "--chunk-size", "3", "--workers", "1"]


@pytest.fixture
def work(tmp_path):
    """A folder with the inputs every case may name; returns (folder, placeholder values)."""
    for name, df in COHORTS.items():
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    for name, text in RAW.items():
        (tmp_path / f"{name}.csv").write_text(text)
    _cohort().to_csv(tmp_path / "good.csv", index=False)
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "d.parquet").mkdir()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "thesis.docx").write_text("mine\n")
    (tmp_path / "prev").mkdir()  # an earlier result, with the user's cohort file put inside it
    (tmp_path / "prev" / "manifest.json").write_text("{}\n")
    _cohort().to_csv(tmp_path / "prev" / "cohort.csv", index=False)
    from cvirisk.calibration import targets_path

    (tmp_path / "targets_empty.csv").write_text("")
    text = targets_path().read_text().splitlines()
    (tmp_path / "targets_unknown.csv").write_text("\n".join([text[0], text[1].replace(text[1].split(",")[0], "no_such_target", 1)]) + "\n")
    (tmp_path / "targets_header.csv").write_text(text[0] + "\n")
    with socket.socket() as s:  # a port nothing listens on (bound, then closed)
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    values = {"tmp": str(tmp_path), "closed": str(closed), "busy": str(listening.getsockname()[1])}
    yield tmp_path, values
    listening.close()


def _cases():
    cases = []
    for name, msg in COHORT_MESSAGES.items():
        cases.append(pytest.param(["simulate", "--cohort", f"{{tmp}}/{name}.csv", *SIM, "--out", "{tmp}/out"],
                                  f"{name}.csv: {msg}",
                                  id=f"simulate-cohort-{name}"))  # fmt: skip
    for name in ("duplicate_id", "negative_bmi", "prior_dvt_200", "text_in_age"):  # chunked: rows in the file
        cases.append(pytest.param(["simulate", "--cohort", f"{{tmp}}/{name}.csv", *CHUNKED, "--out", "{tmp}/out"],
                                  f"{name}.csv: {COHORT_MESSAGES[name]}", id=f"simulate-chunked-{name}"))  # fmt: skip
    table = [
        # simulate: arguments, sizes, scheduler, output folder
        ("simulate-n-zero", ["simulate", "--n", "0", "--out", "{tmp}/out"], "'0' must be positive"),
        ("simulate-n-huge", ["simulate", "--n", "1e12", *SIM, "--out", "{tmp}/out"], "--n 1000000000000: 1,000,000,000,000 persons"),
        ("simulate-n-fraction", ["simulate", "--n", "2.5", "--out", "{tmp}/out"], "'2.5' is not a whole number"),
        ("simulate-replications-huge", ["simulate", "--n", "10", *CHUNKED, "--replications", "1e12", "--out", "{tmp}/out"], "units of work"),
        ("simulate-seed-fraction", ["simulate", "--n", "5", "--seed", "1.7", "--out", "{tmp}/out"], "'1.7' is not a whole number"),
        ("simulate-seed-negative", ["simulate", "--n", "5", "--seed", "-1", "--out", "{tmp}/out"], "must not be negative"),
        ("simulate-years-negative", ["simulate", "--n", "5", "--years", "-1", "--out", "{tmp}/out"], "non-negative number of years"),
        ("simulate-years-nan", ["simulate", "--n", "5", "--years", "nan", "--out", "{tmp}/out"], "non-negative number of years"),
        ("simulate-no-cohort-file", ["simulate", "--cohort", "{tmp}/nope.csv", "--out", "{tmp}/out"], "nope.csv: no such file"),
        ("simulate-bad-override", ["simulate", "--n", "5", *SIM, "--set", "care.duplex_sensitivity=2", "--out", "{tmp}/out"], "duplex_sensitivity"),
        ("simulate-unknown-key", ["simulate", "--n", "5", *SIM, "--set", "no.such.key=1", "--out", "{tmp}/out"], "no.such.key"),
        # refused after the output folder was taken: the folder and its new parents are removed again
        ("simulate-late-error-cleans-up", ["simulate", "--n", "5", *SIM, "--set", "care.duplex_sensitivity=2", "--out", "{tmp}/a/b/out"], "duplex_sensitivity"),
        ("simulate-scheduler-closed", ["simulate", "--n", "20", *SIM, "--scheduler", "tcp://127.0.0.1:{closed}", "--out", "{tmp}/out"], "no Dask scheduler reachable at 127.0.0.1:{closed}"),
        ("simulate-scheduler-malformed", ["simulate", "--n", "20", *SIM, "--scheduler", "tcp://127.0.0.1:port", "--out", "{tmp}/out"], "not an address of the form"),
        ("simulate-scheduler-protocol", ["simulate", "--n", "20", *SIM, "--scheduler", "ftp://x:1", "--out", "{tmp}/out"], "unknown protocol"),
        ("simulate-out-is-file", ["simulate", "--n", "5", *SIM, "--out", "{tmp}/a_file"], "a_file: exists and is not a folder"),
        ("simulate-out-under-file", ["simulate", "--n", "5", *SIM, "--out", "{tmp}/a_file/sub"], "a_file is a file"),
        # a folder this process cannot write in, even as root (sysfs refuses new files)
        ("simulate-out-read-only", ["simulate", "--n", "5", *SIM, "--out", "/sys/cvirisk-out"], "cannot write in /sys"),
        ("cohort-out-read-only", ["cohort", "--n", "5", "--out", "/sys/cvirisk.parquet"], "cannot write in /sys"),
        ("scenario-out-read-only", ["scenario", "--scenario", "smoking_down_third", "--n", "10", "--out", "/sys/cvirisk-out"], "cannot write in /sys"),
        ("calibrate-out-read-only", ["calibrate", "--report-only", "--out", "/sys/cvirisk-out"], "cannot write in /sys"),
        ("simulate-out-holds-input", ["simulate", "--cohort", "{tmp}/prev/cohort.csv", *SIM, "--out", "{tmp}/prev"], "cohort.csv: lies inside --out"),
        ("simulate-out-current-folder", ["simulate", "--n", "5", *SIM, "--out", "."], "--out .: is the current folder"),
        ("simulate-out-root", ["simulate", "--n", "5", *SIM, "--out", "/"], "is the current folder or holds it"),
        ("simulate-out-foreign", ["simulate", "--n", "5", *SIM, "--out", "{tmp}/foreign"], "holds other files"),
        ("simulate-chunked-out-foreign", ["simulate", "--n", "5", *CHUNKED, "--out", "{tmp}/foreign"], "holds other files"),
        # cohort
        ("cohort-n-huge", ["cohort", "--n", "1e12", "--out", "{tmp}/c.parquet"], "need about"),
        ("cohort-format", ["cohort", "--n", "10", "--out", "{tmp}/c.txt"], "unknown output format"),
        ("cohort-out-under-file", ["cohort", "--n", "10", "--out", "{tmp}/a_file/c.parquet"], "a_file is a file"),
        ("cohort-out-is-folder", ["cohort", "--n", "10", "--out", "{tmp}/d.parquet"], "is a folder"),
        ("cohort-bad-override", ["cohort", "--n", "10", "--set", "cohort.bmi.sd_log=-1", "--out", "{tmp}/c.parquet"], "sd_log"),
        ("cohort-seed-fraction", ["cohort", "--n", "10", "--seed", "0.5", "--out", "{tmp}/c.parquet"], "not a whole number"),
        # scenario
        ("scenario-unknown", ["scenario", "--scenario", "no_such_scenario", "--n", "10", "--out", "{tmp}/out"], "no_such_scenario"),
        ("scenario-n-huge", ["scenario", "--scenario", "smoking_down_third", "--n", "1e12", "--out", "{tmp}/out"], "need about"),
        ("scenario-replications-huge", ["scenario", "--scenario", "smoking_down_third", "--n", "10", "--replications", "1e12", "--out", "{tmp}/out"], "units of work"),
        ("scenario-scheduler-closed", ["scenario", "--scenario", "smoking_down_third", "--n", "10", "--scheduler", "127.0.0.1:{closed}", "--out", "{tmp}/out"], "no Dask scheduler reachable"),
        ("scenario-out-is-file", ["scenario", "--scenario", "smoking_down_third", "--n", "10", "--out", "{tmp}/a_file"], "exists and is not a folder"),
        ("scenario-tornado-outcome", ["scenario", "--scenario", "smoking_down_third", "--n", "10", "--tornado-outcome", "nope", "--out", "{tmp}/x/out"], "--tornado-outcome nope"),
        # calibrate
        ("calibrate-targets-empty", ["calibrate", "--report-only", "--targets", "{tmp}/targets_empty.csv", "--out", "{tmp}/out"], "targets_empty.csv: the file is empty"),
        ("calibrate-targets-header-only", ["calibrate", "--report-only", "--targets", "{tmp}/targets_header.csv", "--out", "{tmp}/out"], "no targets"),
        ("calibrate-targets-unknown-id", ["calibrate", "--report-only", "--targets", "{tmp}/targets_unknown.csv", "--out", "{tmp}/out"], "column target_id: no study design produces 'no_such_target' (rows 1"),
        ("calibrate-targets-missing", ["calibrate", "--report-only", "--targets", "{tmp}/nope.csv", "--out", "{tmp}/out"], "no such file"),
        ("calibrate-n-huge", ["calibrate", "--report-only", "--n", "1e12", "--out", "{tmp}/out"], "need about"),
        ("calibrate-out-under-file", ["calibrate", "--report-only", "--out", "{tmp}/a_file/r"], "a_file is a file"),
        # fit: the output folder
        ("fit-out-is-file", ["fit", "{tmp}/good.csv", "--duration", "age", "--event", "prior_dvt", "--model", "km", "--out", "{tmp}/a_file"], "exists and is not a folder"),
        ("fit-out-foreign", ["fit", "{tmp}/good.csv", "--duration", "age", "--event", "prior_dvt", "--model", "km", "--out", "{tmp}/foreign"], "holds other files"),
        # dashboard
        ("dashboard-port-zero", ["dashboard", "--port", "0"], "not a port number"),
        ("dashboard-port-huge", ["dashboard", "--port", "70000"], "not a port number"),
        ("dashboard-port-busy", ["dashboard", "--port", "{busy}"], "cannot listen on 127.0.0.1:{busy}"),
        ("dashboard-address-unknown", ["dashboard", "--address", "no.such.host.invalid"], "--address no.such.host.invalid"),
    ]  # fmt: skip
    cases += [pytest.param(argv, msg, id=name) for name, argv, msg in table]
    return cases


@pytest.mark.parametrize(("argv", "fragment"), _cases())
def test_bad_input_is_refused_before_any_work(work, capsys, argv, fragment):
    folder, values = work
    before = tree(folder)
    code, err = call([a.format(**values) for a in argv], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    assert fragment.format(**values) in err, err
    assert tree(folder) == before  # nothing written, nothing left behind


def test_every_command_is_covered():
    from cvirisk.cli import COMMANDS

    covered = {c.values[0][0] for c in _cases()}
    assert covered == set(COMMANDS)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"seed": 1.7}, "whole number"),
        ({"seed": True}, "whole number"),
        ({"replication": 0.5}, "whole number"),
        ({"cohort": uniform_cohort(3).iloc[:0]}, "cohort: no persons"),
    ],
)
def test_the_python_api_refuses_what_it_cannot_take(kwargs, fragment):
    from cvirisk import simulate
    from cvirisk.exceptions import InputError

    kwargs = {"cohort": uniform_cohort(3), "years": 1, **kwargs}
    with pytest.raises(InputError, match=fragment):
        simulate(**kwargs)


@pytest.mark.parametrize("command", ["simulate", "scenario"])
def test_a_port_that_does_not_speak_dask_is_refused_before_any_work(work, capsys, monkeypatch, command):
    import cvirisk.sim.scale.pool as pool

    monkeypatch.setattr(pool, "TIMEOUT", 1.0)
    folder, values = work
    before = tree(folder)
    args = {"simulate": ["simulate", "--n", "20", *CHUNKED],
            "scenario": ["scenario", "--scenario", "smoking_down_third", "--n", "10"]}[command]  # fmt: skip
    out = f"{folder}/a/b/out"
    code, err = call([*args, "--scheduler", f"tcp://127.0.0.1:{values['busy']}", "--out", out], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--scheduler tcp://127.0.0.1:{values['busy']}: no Dask scheduler answered at 127.0.0.1:{values['busy']} within 1 s" in err
    assert tree(folder) == before
