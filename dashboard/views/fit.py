"""Fit your data: upload a cohort file, map its columns, fit a model, check it, compute a person's risk.

Files are read and validated by :mod:`cvirisk.io.cohort_file` and fitted by
:func:`cvirisk.survival.fit_model`, the same code as ``cvirisk fit``, so a bad file gives the
same one-line message here as on the command line. The model chosen is the model used
everywhere on the page: summary, calibration, a person's risk and the overlay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from cvirisk.exceptions import InputError
from cvirisk.io.cohort_file import CohortColumns, id_like_columns, read_table, validate_cohort
from cvirisk.survival import MODELS

from . import common

UPLOAD = "Upload a file"
ROSSI = "Example: Rossi recidivism"
SIMULATED = "Example: simulated time to C3+"
NONE = "(none)"
MODEL_LABELS = {
    "km": "Kaplan-Meier (km)", "cox": "Cox proportional hazards (cox)", "weibull": "Weibull AFT (weibull)",
    "aj": "Aalen-Johansen, competing causes (aj)", "pwexp": "piecewise exponential (pwexp)",
    "fg": "Fine-Gray, competing causes (fg)",
}  # fmt: skip
REGRESSION = ("cox", "weibull", "pwexp", "fg")
CAUSES = ("aj", "fg")
#: Simulator features offered in the simulated example (names of cvirisk.params.model_spec.FEATURES).
SIM_COLUMNS = ["duration", "event", "cause_code", "age", "female", "smoking_current", "smoking_former", "bmi_per_5",
               "family_history", "sedentary_work", "standing_work", "sitting_work", "parity_per_birth"]

# The page's own limits (this app's configuration): uploads above UPLOAD_LIMIT_MB are refused
# by Streamlit before they reach the server's memory; files with more than MAX_ROWS rows are
# refused while being read. A 150 MB CSV of 7.5 million rows took 7.2 GB of server memory.
UPLOAD_LIMIT_MB = 50
MAX_ROWS = 200_000
LIMITS = (f"the dashboard takes files up to {UPLOAD_LIMIT_MB} MB and {MAX_ROWS:,} rows "
          "(UPLOAD_LIMIT_MB and MAX_ROWS in dashboard/views/fit.py); fit larger files with `cvirisk fit`")
#: Cache bounds: a few uploads and fits, each dropped after an hour.
CACHE_TTL = 3600
MISSING_HINT = "tick 'Exclude rows with missing values' to exclude such rows"
#: Widgets whose choices belong to one data source; reset when another is loaded.
SELECTION_KEYS = ("col_duration", "col_event", "col_entry", "col_strata", "col_covariates", "formula",
                  "overlay_transition", "overlay_rename", "overlay_scale", "fit_bootstrap")


@st.cache_data(show_spinner=False, max_entries=2, ttl=CACHE_TTL)
def read_uploaded(name: str, data: bytes) -> pd.DataFrame:
    """Read uploaded bytes exactly as ``cvirisk fit`` reads a file of that name (with the row cap)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return read_table(path, max_rows=MAX_ROWS, limit_note=f"; {LIMITS}")


@st.cache_data(show_spinner=False, max_entries=1)
def rossi() -> pd.DataFrame:
    from cvirisk.data import load_rossi

    return load_rossi()


def simulated_example(settings: common.Settings) -> pd.DataFrame:
    """Time from baseline to the first C3+ class in the sidebar's simulated cohort, with baseline features."""
    from cvirisk.survival import survival_table

    result = common.baseline_result(settings)
    table = survival_table(result.events, "C3+", time_scale="time", persons=result.persons)
    return table[[c for c in SIM_COLUMNS if c in table.columns]]


@st.cache_resource(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def fitted(df: pd.DataFrame, columns: CohortColumns, model: str, formula: str | None = None, km_ci: str = "log-log"):
    from cvirisk.survival import fit_model

    return fit_model(df, columns, model, formula=formula or None, km_ci=km_ci)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
def evaluation(df: pd.DataFrame, columns: CohortColumns, model: str, formula: str | None, bootstrap: int):
    from cvirisk.survival import evaluate_fit

    return evaluate_fit(fitted(df, columns, model, formula), df, bootstrap=bootstrap, seed=1)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=CACHE_TTL)
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
    upload = st.file_uploader("Cohort file (CSV or Parquet), one row a person", key="upload",
                              max_upload_size=UPLOAD_LIMIT_MB, help=LIMITS[0].upper() + LIMITS[1:] + ".")
    st.caption(f"Up to {UPLOAD_LIMIT_MB} MB and {MAX_ROWS:,} rows; larger files: `cvirisk fit`.")
    if upload is None:
        st.info("Upload a CSV or Parquet file, or pick an example above.")
        return None, ""
    return read_uploaded(upload.name, upload.getvalue()), upload.name


def _reset_on_new_source(df: pd.DataFrame, name: str) -> None:
    """Column choices belong to one data source: forget them (and say so) when another is loaded."""
    identity = f"{name}|{df.shape}|{'|'.join(map(str, df.columns))}"
    previous = st.session_state.get("_fit_data_identity")
    if previous is not None and previous != identity:
        stale = [k for k in list(st.session_state) if k in SELECTION_KEYS or str(k).startswith("risk_")]
        for key in stale:
            del st.session_state[key]
        st.info(f"New data ({name}): the column choices of the previous data were reset.")
    st.session_state["_fit_data_identity"] = identity


def _mapping(df: pd.DataFrame) -> tuple[CohortColumns, str, bool, str]:
    cols = [str(c) for c in df.columns]
    a, b, c = st.columns(3)
    with a:
        duration = st.selectbox("Duration (time of event or censoring)", cols, key="col_duration",
                                index=_guess(cols, ("duration", "time", "futime", "ftime", "week", "stop"), 0))
        entry = st.selectbox("Entry time (delayed entry)", [NONE, *cols], key="col_entry")
    with b:
        event = st.selectbox("Event (1 event / 0 censored; aj, fg: 0, 1, 2, ... causes)", cols, key="col_event",
                             index=_guess(cols, ("event", "status", "arrest", "dead", "cause_code"), 1))
        strata = st.selectbox("Strata / groups", [NONE, *cols], key="col_strata")
    with c:
        model = st.selectbox("Model", list(MODELS), format_func=MODEL_LABELS.get, index=list(MODELS).index("cox"),
                             key="model")
        drop = st.checkbox("Exclude rows with missing values (counted)", key="drop_missing")
    roles = {duration, event, entry, strata}
    ids = id_like_columns(cols)
    candidates = [c for c in cols if c not in roles]
    numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(df[c]) and c not in ids and c != "cause_code"]
    covariates: list[str] = []
    formula = ""
    if model in REGRESSION:
        chosen = st.session_state.get("col_covariates")
        if chosen is not None:
            moved = [c for c in chosen if c not in candidates]
            if moved:  # a covariate now plays another role: it cannot stay, and the user is told
                st.session_state["col_covariates"] = [c for c in chosen if c in candidates]
                st.info(f"Removed from the covariates because they now play another role: {', '.join(moved)}.")
        covariates = st.multiselect("Covariates (text columns become categories)", candidates, default=numeric[:8],
                                    key="col_covariates")
        if ids:
            st.caption(f"Id columns, never covariates by default: {', '.join(ids)}.")
        formula = st.text_input("Formula instead (optional), e.g. age + C(sex) + bs(bmi, df=3)", key="formula",
                                help="formulaic syntax: C(x) category, C(x, contr.treatment('b')) reference level, "
                                "a:b interaction, bs()/cr() splines, I(x / 5) transforms")
    if model == "km":
        st.selectbox("Interval scale", ["log-log", "log", "plain"], key="km_ci",
                     help="log-log: lifelines' and SAS's default; log: R survfit's default; plain: linear, clipped")
    if formula.strip():
        covariates = [c for c in candidates if c in formula]
    event_kind = "causes" if model in CAUSES else "binary"
    columns = CohortColumns(
        duration=duration, event=event, entry=None if entry == NONE else entry, covariates=tuple(covariates),
        strata=None if strata == NONE else strata, event_kind=event_kind, positive_duration=model == "weibull",
    )  # fmt: skip
    return columns, model, drop, formula.strip()


def _person_inputs(clean: pd.DataFrame, fit) -> pd.DataFrame:
    names = fit.design.variables_ or list(fit.columns.covariates)
    if fit.columns.strata is not None and fit.name == "cox":
        names = [*names, fit.columns.strata]
    cols = st.columns(min(4, max(1, len(names))))
    person = {}
    for i, cov in enumerate(names):
        values = clean[cov]
        with cols[i % len(cols)]:
            if not pd.api.types.is_numeric_dtype(values) or cov == fit.columns.strata:
                levels = sorted(values.dropna().unique().tolist(), key=str)
                person[cov] = st.selectbox(cov, levels, key=f"risk_{cov}")
                continue
            x = values.astype(float)
            if set(np.unique(x)) <= {0.0, 1.0}:
                person[cov] = float(st.selectbox(cov, [0, 1], index=int(x.median() >= 0.5), key=f"risk_{cov}"))
            else:
                person[cov] = float(st.number_input(cov, value=float(round(x.median(), 3)), key=f"risk_{cov}"))
    return pd.DataFrame([person])


def _risk_calculator(clean: pd.DataFrame, fit, model: str) -> None:
    from cvirisk.survival import risk_interval

    st.subheader("Individual risk")
    st.caption(f"From the fitted {MODEL_LABELS[model]} model.")
    frame = _person_inputs(clean, fit)
    times = clean[fit.columns.duration].astype(float)
    k = fit.options.get("event_of_interest", 1)
    event_times = times[clean[fit.columns.event].astype(float) == (k if model == "fg" else 1)]
    default = float(np.median(event_times)) if len(event_times) else float(np.median(times))
    horizon = st.slider("Horizon", float(times.min()), float(times.max()), round(default, 3), key="horizon")
    try:
        risk = float(fit.predict_risk(frame, horizon)[0])
        avg = float(np.mean(fit.predict_risk(clean, horizon)))
    except InputError as exc:
        common.show_error(exc)
        return
    what = f"Cumulative incidence of cause {k}" if model == "fg" else "Risk of the event"
    st.metric(f"{what} by {fit.columns.duration} = {horizon:g}", f"{risk:.1%}",
              delta=f"{risk - avg:+.1%} against the cohort average {avg:.1%}", delta_color="inverse")
    if st.button("95% interval (bootstrap, 100 refits)", key="risk_interval"):
        try:
            band = risk_interval(fit, clean, frame, horizon, n_boot=100, seed=1)
        except InputError as exc:
            common.show_error(exc)
            return
        st.markdown(f"95% bootstrap interval: **{band['lower'].iloc[0]:.1%} to {band['upper'].iloc[0]:.1%}** "
                    f"({int(band['samples'].iloc[0])} refits)")


def _overlay(fit, clean: pd.DataFrame, name: str) -> None:
    from cvirisk.params.model_spec import FEATURES as _FEATURES
    from cvirisk.survival import overlay_tree, param_overlay
    from cvirisk.survival.overlay import AGE_NAMES, confounding_warnings

    FEATURES = tuple(sorted(_FEATURES))  # the model's hazard-ratio features, in order

    with st.expander("Feed the fit into the simulator (parameter overlay)"):
        st.caption("Covariates named as simulator features (female, bmi_per_5, smoking_current, ...) become hazard "
                   "ratios of a transition; the overlay can be passed to `cvirisk simulate --params FILE`. Age "
                   "covariates adjust the fit and stay out of the overlay.")
        scale = st.radio("Time scale of the fit", ["time", "age"], key="overlay_scale", horizontal=True,
                         help="'age' when durations (and entries) are ages: the Gompertz baseline is fitted too")
        rename_text = st.text_input("Rename covariates to features (COV=FEATURE, comma separated)", key="overlay_rename")
        rename = {}
        for pair in [p.strip() for p in rename_text.split(",") if p.strip()]:
            old, sep, new = pair.partition("=")
            if not sep or not old.strip() or not new.strip():
                common.show_error(InputError(f"rename {pair!r}: expected COV=FEATURE"))
                return
            rename[old.strip()] = new.strip()
        names = list(fit.model.params_.index)
        others = [c for c in names if rename.get(c, c) not in FEATURES and str(c).lower() not in AGE_NAMES]
        if others:
            st.info(f"Not simulator features: {', '.join(others)}. Rename them (e.g. {others[0]}=female) or name "
                    f"covariates as features ({', '.join(FEATURES[:8])}, ...) to write an overlay.")
            return
        from cvirisk.params import params_to_dict

        transitions = list(params_to_dict(common.default_params())["natural_history"]["transitions"])
        default = next((transitions.index(t) for t in ("edema_onset", "edema") if t in transitions), 0)
        transition = st.selectbox("Transition", transitions, index=default, key="overlay_transition",
                                  help="The simulator transition whose hazard ratios the fit replaces.")
        try:
            overlay = param_overlay(fit.model, transition, rename=rename, baseline=scale == "age", time_scale=scale,
                                    data=fit.design.transform(clean), source=name)
        except InputError as exc:
            common.show_error(exc)
            return
        for warning in confounding_warnings(names, rename, transition, scale):
            st.warning(warning[0].upper() + warning[1:] + ".")
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
    _reset_on_new_source(df, name)
    st.caption(f"{name}: {len(df):,} rows, {df.shape[1]} columns")
    with st.expander("Preview"):
        st.dataframe(df.head(20), key="preview")
    columns, model, drop, formula = _mapping(df)
    try:
        clean, report = validate_cohort(df, columns, source=name, drop_missing=drop, missing_hint=MISSING_HINT)
        fit = fitted(clean, columns, model, formula or None, st.session_state.get("km_ci", "log-log"))
    except InputError as exc:
        common.show_error(exc)
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Rows used", f"{report['rows_used']:,}")
    m2.metric("Events", f"{report['events']:,}")
    m3.metric("Rows excluded", f"{report['rows_excluded_total']:,}")
    st.subheader("Summary")
    for note in fit.notes:
        st.caption(note[0].upper() + note[1:] + ".")
    st.dataframe(fit.summary.round(4), hide_index=True, key="fit_summary")
    if fit.checks is not None:
        st.markdown("**Proportional hazards** (scaled Schoenfeld residuals against the rank of time)")
        st.dataframe(fit.checks.round(4), key="fit_ph_test")
    for key, fig in dict(fit.figures).items():
        st.markdown(f"**{key.replace('_', ' ').capitalize()}**")
        st.plotly_chart(fig, key=f"fit_{key}")
    if model not in REGRESSION:
        return
    if model != "fg":
        st.plotly_chart(curves(clean, columns.duration, columns.event, columns.entry), key="fit_curves")
    if columns.entry is not None:
        st.info("Calibration and the risk calculator need time since the origin (no delayed entry).")
        return
    st.subheader("Calibration")
    boot = st.checkbox("Optimism-corrected figures (bootstrap, 30 refits; slower)", key="fit_bootstrap")
    try:
        ev = evaluation(clean, columns, model, formula or None, 30 if boot else 0)
    except InputError as exc:
        common.show_error(exc)
        return
    st.caption(f"The fitted {MODEL_LABELS[model]} model, evaluated on the same data (apparent performance"
               + (f"; optimism-corrected from {ev['bootstrap_used']} bootstrap refits below)." if boot else ")."))
    st.plotly_chart(ev["figure"], key="fit_calibration")
    st.dataframe(ev["metrics"].round(3), key="fit_metrics")
    if boot:
        st.dataframe(ev["corrected"].round(3).add_suffix(" (corrected)"), key="fit_metrics_corrected")
    _risk_calculator(clean, fit, model)
    if model in ("cox", "pwexp"):
        _overlay(fit, clean, name)
