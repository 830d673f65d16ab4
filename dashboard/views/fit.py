"""Fit your data: upload a cohort file, map its columns, fit a model, check it, compute a person's risk.

Files are read and validated by :mod:`cvirisk.io.cohort_file` and fitted by
:func:`cvirisk.survival.fit_model`, the same code as ``cvirisk fit``, so a bad file gives the
same one-line message here as on the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from cvirisk.exceptions import InputError
from cvirisk.io.cohort_file import CohortColumns, read_table, validate_cohort
from cvirisk.survival import MODELS

from . import common

UPLOAD = "Upload a file"
ROSSI = "Example: Rossi recidivism"
SIMULATED = "Example: simulated time to C3+"
NONE = "(none)"
MODEL_LABELS = {
    "km": "Kaplan-Meier (km)", "cox": "Cox proportional hazards (cox)", "weibull": "Weibull AFT (weibull)",
    "aj": "Aalen-Johansen, competing causes (aj)", "pwexp": "piecewise exponential (pwexp)",
}  # fmt: skip
REGRESSION = ("cox", "weibull", "pwexp")
#: Simulator features offered in the simulated example (names of cvirisk.model.features).
SIM_COLUMNS = ["duration", "event", "cause_code", "age", "female", "smoking_current", "smoking_former", "bmi_per_5",
               "family_history", "sedentary_work", "parity_per_birth"]


@st.cache_data(show_spinner=False, max_entries=8)
def read_uploaded(name: str, data: bytes) -> pd.DataFrame:
    """Read uploaded bytes exactly as ``cvirisk fit`` reads a file of that name."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return read_table(path)


@st.cache_data(show_spinner=False)
def rossi() -> pd.DataFrame:
    from cvirisk.data import load_rossi

    return load_rossi()


def simulated_example(settings: common.Settings) -> pd.DataFrame:
    """Time from baseline to the first C3+ class in the sidebar's simulated cohort, with baseline features."""
    from cvirisk.survival import survival_table

    result = common.baseline_result(settings)
    table = survival_table(result.events, "C3+", time_scale="time", persons=result.persons)
    return table[SIM_COLUMNS]


@st.cache_resource(show_spinner=False, max_entries=16)
def fitted(df: pd.DataFrame, columns: CohortColumns, model: str):
    from cvirisk.survival import fit_model

    return fit_model(df, columns, model)


@st.cache_resource(show_spinner=False, max_entries=16)
def risk_evaluation(df: pd.DataFrame, duration: str, event: str, covariates: tuple[str, ...]):
    from cvirisk.survival import RiskModel, evaluate

    model = RiskModel(covariates=list(covariates)).fit(df, duration, event)
    return model, evaluate(model, df)


@st.cache_resource(show_spinner=False, max_entries=16)
def curves(df: pd.DataFrame, duration: str, event: str, entry: str | None):
    from cvirisk.survival import KaplanMeier

    return KaplanMeier(label="all").fit(df, duration, event, entry).plot_survival_function(title="Kaplan-Meier")


def _guess(columns: list[str], names: tuple[str, ...], fallback: int) -> int:
    lower = [c.lower() for c in columns]
    for n in names:
        if n in lower:
            return lower.index(n)
    return min(fallback, len(columns) - 1)


def _source(settings: common.Settings) -> tuple[pd.DataFrame | None, str]:
    src = st.radio("Data", [UPLOAD, ROSSI, SIMULATED], key="fit_source", horizontal=True)
    if src == ROSSI:
        return rossi(), "rossi.csv"
    if src == SIMULATED:
        return simulated_example(settings), "simulated_c3.csv"
    upload = st.file_uploader("Cohort file (CSV or Parquet), one row a person", key="upload")
    if upload is None:
        st.info("Upload a CSV or Parquet file, or pick an example above.")
        return None, ""
    return read_uploaded(upload.name, upload.getvalue()), upload.name


def _mapping(df: pd.DataFrame) -> tuple[CohortColumns, str, bool]:
    cols = [str(c) for c in df.columns]
    a, b, c = st.columns(3)
    with a:
        duration = st.selectbox("Duration (time of event or censoring)", cols, key="col_duration",
                                index=_guess(cols, ("duration", "time", "futime", "week", "stop"), 0))
        entry = st.selectbox("Entry time (delayed entry)", [NONE, *cols], key="col_entry")
    with b:
        event = st.selectbox("Event (1 event / 0 censored; aj: 0, 1, 2, ... causes)", cols, key="col_event",
                             index=_guess(cols, ("event", "status", "arrest", "dead", "cause_code"), 1))
        strata = st.selectbox("Strata / groups", [NONE, *cols], key="col_strata")
    with c:
        model = st.selectbox("Model", list(MODELS), format_func=MODEL_LABELS.get, index=list(MODELS).index("cox"),
                             key="model")
        drop = st.checkbox("Exclude rows with missing values (counted)", key="drop_missing")
    roles = {duration, event, entry, strata}
    candidates = [c for c in cols if c not in roles]
    numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(df[c]) and c not in ("person_id", "cause_code")]
    covariates: list[str] = []
    if model in REGRESSION:
        covariates = st.multiselect("Covariates", candidates, default=numeric[:8], key="col_covariates")
    columns = CohortColumns(
        duration=duration, event=event, entry=None if entry == NONE else entry, covariates=tuple(covariates),
        strata=None if strata == NONE else strata, event_kind="causes" if model == "aj" else "binary",
        positive_duration=model == "weibull",
    )  # fmt: skip
    return columns, model, drop


def _risk_calculator(clean: pd.DataFrame, columns: CohortColumns, model_fit) -> None:
    st.subheader("Individual risk")
    covs = list(columns.covariates)
    cols = st.columns(min(4, len(covs)))
    person = {}
    for i, cov in enumerate(covs):
        x = clean[cov].astype(float)
        binary = set(np.unique(x)) <= {0.0, 1.0}
        with cols[i % len(cols)]:
            if binary:
                person[cov] = float(st.selectbox(cov, [0, 1], index=int(x.median() >= 0.5), key=f"risk_{cov}"))
            else:
                person[cov] = float(st.number_input(cov, value=float(round(x.median(), 3)), key=f"risk_{cov}"))
    times = clean[columns.duration].astype(float)
    event_times = times[clean[columns.event].astype(float) == 1]
    default = float(np.median(event_times)) if len(event_times) else float(np.median(times))
    horizon = st.slider("Horizon", float(times.min()), float(times.max()), round(default, 3), key="horizon")
    frame = pd.DataFrame([person])
    risk = float(np.atleast_1d(model_fit.predict_risk(frame, horizon))[0])
    avg = float(np.mean(np.atleast_1d(model_fit.predict_risk(clean[covs], horizon))))
    st.metric(f"Risk of the event by {columns.duration} = {horizon:g}", f"{risk:.1%}",
              delta=f"{risk - avg:+.1%} against the cohort average {avg:.1%}", delta_color="inverse")


def _overlay(fit, columns: CohortColumns) -> None:
    from cvirisk.model.features import FEATURES
    from cvirisk.survival import overlay_tree, param_overlay

    with st.expander("Feed the fit into the simulator (parameter overlay)"):
        st.caption("Covariates named as simulator features (female, bmi_per_5, smoking_current, ...) become hazard "
                   "ratios of a transition; the overlay can be passed to `cvirisk simulate --params FILE`.")
        others = [c for c in columns.covariates if c not in FEATURES]
        if others:
            st.info(f"Not simulator features: {', '.join(others)}. Name covariates as features "
                    f"({', '.join(FEATURES[:8])}, ...) to write an overlay.")
            return
        from cvirisk.params import params_to_dict

        transitions = list(params_to_dict(common.default_params())["natural_history"]["transitions"])
        transition = st.selectbox("Transition", transitions, index=transitions.index("edema"), key="overlay_transition",
                                  help="The simulator transition whose hazard ratios the fit replaces.")
        try:
            overlay = param_overlay(fit.model, transition, baseline=False)
        except InputError as exc:
            common.show_error(exc)
            return
        import yaml

        text = yaml.safe_dump(overlay_tree(overlay, "fitted in the cvirisk dashboard"), sort_keys=False)
        st.code(text, language="yaml")
        st.download_button("Download params_overlay.yaml", text, file_name="params_overlay.yaml", key="overlay_dl")


def render(settings: common.Settings) -> None:
    st.header("Fit your data")
    st.caption("Survival and risk models over lifelines, validated exactly as `cvirisk fit` validates a file.")
    try:
        df, name = _source(settings)
    except InputError as exc:
        common.show_error(exc)
        return
    if df is None:
        return
    st.caption(f"{name}: {len(df):,} rows, {df.shape[1]} columns")
    with st.expander("Preview"):
        st.dataframe(df.head(20), key="preview")
    columns, model, drop = _mapping(df)
    try:
        clean, report = validate_cohort(df, columns, source=name, drop_missing=drop)
        fit = fitted(clean, columns, model)
    except InputError as exc:
        common.show_error(exc)
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Rows used", f"{report['rows_used']:,}")
    m2.metric("Events", f"{report['events']:,}")
    m3.metric("Rows excluded", f"{report['rows_excluded_total']:,}")
    st.subheader("Summary")
    st.dataframe(fit.summary.round(4), hide_index=True, key="fit_summary")
    figures = dict(fit.figures)
    for key, fig in figures.items():
        st.markdown(f"**{key.replace('_', ' ').capitalize()}**")
        st.plotly_chart(fig, key=f"fit_{key}")
    if model not in REGRESSION:
        return
    st.plotly_chart(curves(clean, columns.duration, columns.event, columns.entry), key="fit_curves")
    if columns.entry is not None:
        st.info("Calibration and the risk calculator need time since the origin (no delayed entry).")
        return
    st.subheader("Calibration")
    try:
        risk_model, ev = risk_evaluation(clean, columns.duration, columns.event, columns.covariates)
    except InputError as exc:
        common.show_error(exc)
        return
    st.caption("A Cox risk model with the chosen covariates, evaluated on the same data (apparent performance).")
    st.plotly_chart(ev["figure"], key="fit_calibration")
    st.dataframe(ev["metrics"].round(3), key="fit_metrics")
    model_fit = fit.model if model == "weibull" or (model == "cox" and columns.strata is None) else risk_model
    _risk_calculator(clean, columns, model_fit)
    if model in ("cox", "pwexp"):
        _overlay(fit, columns)
