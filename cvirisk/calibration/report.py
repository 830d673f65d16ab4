"""The calibration report: observed against target, in a table, a figure and Markdown.

:func:`report_table` turns an :func:`~cvirisk.calibration.distance.evaluate` table into the
published columns (``target_id, quantity, role, target, low, high, unit, simulated, sim_low,
sim_high, distance, within, rule, note``); :func:`report_figure` draws every target and its
simulated value with their intervals on one relative scale; :func:`write_report` writes
``report.md``, ``report.csv``, ``figure.json`` (plotly) and ``figure.html``.

Notes are explicit: every target whose definition in the model differs from the study's says
how, and every target that is not met says why, rather than other parameters being bent
silently to hide it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.calibration.targets import INPUT_TARGETS
from cvirisk.io.atomic import atomic_path

__all__ = [
    "FIT_EXCLUDED",
    "NOTES",
    "UNMET_REASONS",
    "roles",
    "report_table",
    "report_figure",
    "report_markdown",
    "confirmation_table",
    "write_report",
]

#: Natural-history targets held out of the fit, with the reason (shown in the report).
FIT_EXCLUDED: dict[str, str] = {
    "bonn1_vv_any": (
        "checked, not fitted: varicose veins in either leg at the examination, whatever the class "
        "(every appearance is logged as a finding); it follows from the fitted C2 and reflux targets."
    ),
    "nelzen_first_ulcer_before_65": (
        "checked, not fitted (an age-at-onset series added from the literature): the surveys counted all "
        "ulcer patients of a region, the simulated cross-section is ages 18-79."
    ),
    "callam_first_ulcer_before_40": "checked, not fitted (as for the Nelzen series).",
    "bonn1_c6_all": (
        "not fitted: the share of active among all ulcers is set by the healing and recurrence "
        "rates, which are inputs from trials (compression targets); ulcer_open is fitted to C5 "
        "and C6 follows."
    ),
    "pts_after_dvt_2y": "checked, not in the search: thrombosis.pts_probability was set in this design to Prandoni's plateau (see its source) and the post-thrombotic rate to the 2-year share.",
    "pts_after_dvt_5y": "checked, not fitted (as at 2 years).",
    "pts_after_dvt_8y": "checked, not fitted (as at 2 years).",
}

#: Definitions: how each study's figure is made from the simulation (always shown).
NOTES: dict[str, str] = {
    "bonn1_c3_all": "C3 = edema present at the examination; in the model edema persists once present, so this is the model's C3.",
    "bonn1_c6_all": "Bonn found 3 persons (n=3072): the study's own binomial 95% interval is about 0.02-0.29 percent.",
    "bonn1_c5_all": "Bonn found about 18 persons: the study's own binomial 95% interval is about 0.35-0.93 percent.",
    "bonn1_reflux_superficial": "true superficial reflux present at baseline (failed or congenitally absent valves, not removed by surgery).",
    "bonn1_reflux_deep": "true deep reflux at baseline (deep failure, post-thrombotic or congenital).",
    "evs_vv_incidence_13y": (
        "eligible: aged 18-64 and free of varicose veins at baseline; new C2 sign by 13 years; survivors only (re-examined); "
        "equal weight to each sex x 10-year age stratum (EVS sampled by age and sex; equal strata assumed). "
        "New varicose veins are visible in the log only for C0/C1 persons, who stand for all varicose-free "
        "persons of their stratum (C3+ without a C2 sign included)."
    ),
    "vte_incidence_20_64": "first DVT (every model VTE starts with a DVT; a third add a PE) per 100,000 person-years at attained age; prior DVT excluded.",
    "pts_after_dvt_2y": "PTS (clinical syndrome in Prandoni) is modelled as post-thrombotic deep valve damage; Kaplan-Meier after a first DVT in follow-up.",
    "compression_healing_hr": "input, not calibrated: ulcer_heal.hazard_ratios.compression = 2.17; check = healing rate on/off compression in an ulcer population.",
    "compression_recurrence_rr": "input: ulcer_recurrence.hazard_ratios.compression = 0.46; check = 6-month recurrence risk ratio (Kaplan-Meier from each leg's healing) with and without compression worn at healing, no surgery.",
    "eschar_recurrence_12m_compression": "input: ulcer_recurrence rate and slope (time since healing); check = 12-month Kaplan-Meier recurrence from each leg's healing with compression worn at healing, no surgery.",
    "eschar_recurrence_12m_surgery": "input: ulcer_recurrence.hazard_ratios.surgery_done; check = 12-month Kaplan-Meier recurrence from healing with compression, after surgery on that leg.",
}

#: Why a target may not be met (shown only when it is not within).
UNMET_REASONS: dict[str, str] = {
    "callam_first_ulcer_before_40": (
        "structural: ulcers before 40 are mostly post-thrombotic (a DVT in youth, pregnancy or after trauma) "
        "or not venous (Callam counted every chronic leg ulcer); in the model DVT is rare before 40 (a Gompertz "
        "in age fitted to Naess) and an ulcer needs skin damage that takes years to develop, so early ulcers "
        "are about a quarter as common as in the series. Left as a finding for the next revision of the model "
        "(a post-thrombotic route to skin damage, DVT risk factors of the young)."
    ),
    "bonn1_c6_all": (
        "with healing and recurrence taken from trials, about one ulcer in four is open at any time, "
        "against 1 in 7 in Bonn; but Bonn's 0.1 percent rests on 3 persons (its own 95% interval is "
        "about 0.02-0.29 percent, which contains the simulated value)."
    ),
    "bonn1_c5_all": "one free ulcer-opening rate serves C5 and C6 jointly; healing and recurrence rates are inputs.",
    "bonn1_vv_any": "see the definition note: the event log gives a lower bound.",
    "vte_incidence_85_up": (
        "the DVT age slope is fixed (Gompertz, 0.065 a year, from Naess 65-84), and varicose veins and BMI "
        "steepen it further; with one free rate the curve cannot flatten after 85 as Naess's rates do. "
        "The least-squares rate leaves 20-64 and 75-84 about 17 percent low and 85+ about 20-25 percent "
        "high; the range of rates that would put all four bands within 20 percent is narrower than "
        "the Monte Carlo error of the 85+ band, so it is not chased."
    ),
    "vte_incidence_20_64": "the DVT age slope is fixed; one free rate is a compromise across the four age bands.",
    "vte_incidence_65_74": "the DVT age slope is fixed; one free rate is a compromise across the four age bands.",
    "vte_incidence_75_84": "the DVT age slope is fixed; one free rate is a compromise across the four age bands.",
    "bonn1_c0_men": "one telangiectasia female hazard ratio must carry the sex difference of C0 together with the other classes.",
    "bonn1_c0_women": "one telangiectasia female hazard ratio must carry the sex difference of C0 together with the other classes.",
    "bonn1_c4_men": "the sex ratio of skin changes is not free (women's higher edema and reflux carry over to C4 in the model, Bonn shows men slightly higher).",
    "bonn1_c4_women": "the sex ratio of skin changes is not free (women's higher edema and reflux carry over to C4 in the model, Bonn shows men slightly higher).",
    "bonn1_c2_men": "C2 share is what is left between varicose onset and progression to C3+; the sex ratio is not free.",
    "bonn1_c2_women": "C2 share is what is left between varicose onset and progression to C3+; the sex ratio is not free.",
    "pts_after_dvt_2y": (
        "thrombosis.pts_probability is set by hand to Prandoni's plateau in this design (legs whose deep "
        "valves already leak cannot gain post-thrombotic damage; see 'Simulation'), not searched; another "
        "seed or a change of the deep-reflux calibration moves it."
    ),
    "pts_after_dvt_5y": "as at 2 years: thrombosis.pts_probability is set by hand to the plateau, not searched; other seeds may differ.",
    "pts_after_dvt_8y": "as at 2 years: thrombosis.pts_probability is set by hand to the plateau, not searched; other seeds may differ.",
    "evs_vv_incidence_13y": (
        "the two age bands are met (9.8 and 25.7 percent), but a Gompertz varicose hazard through them "
        "gives less at 35-54 (see 'Simulation' for each stratum) than the crude 18.2 percent needs, so it "
        "is out of reach over equal strata: Edinburgh's incidence rises faster before middle age than an "
        "exponential in age allows (or the re-examined sample was older than equal strata). Raising "
        "the varicose rate further would push Bonn's C2 share and the 55-64 band above their targets."
    ),
    "evs_vv_incidence_13y_18_34": "one age slope must match both age bands and Bonn's prevalence of C2 at the same time.",
    "evs_vv_incidence_13y_55_64": "one age slope must match both age bands and Bonn's prevalence of C2 at the same time.",
}


def roles(targets: pd.DataFrame) -> pd.Series:
    """``fitted`` / ``checked`` / ``input`` for each target id."""
    out = pd.Series("fitted", index=targets.index)
    out[out.index.isin(list(FIT_EXCLUDED))] = "checked"
    out[out.index.isin(list(INPUT_TARGETS))] = "input"
    return out


def report_table(evaluated: pd.DataFrame, extra_notes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The published table, one row a target, in the order of the targets file."""
    t = evaluated
    role = roles(t)
    rows = []
    for tid, r in t.iterrows():
        notes = []
        if tid in NOTES:
            notes.append(NOTES[tid])
        if tid in FIT_EXCLUDED:
            notes.append(FIT_EXCLUDED[tid])
        if str(r.get("note", "")).strip():
            notes.append(f"Source note: {str(r['note']).strip()}.")
        if str(r.get("sim_detail", "") or "").strip():
            notes.append(f"Simulation: {r['sim_detail']}.")
        ok = bool(r["within"]) if pd.notna(r["within"]) else False
        if not ok and np.isfinite(r["simulated"]):
            notes.append("NOT MET: " + UNMET_REASONS.get(tid, "Best compromise of the fitted block; see the distance."))
        if extra_notes and tid in extra_notes:
            notes.append(extra_notes[tid])
        rows.append(
            {
                "target_id": tid,
                "quantity": r["quantity"],
                "role": role[tid],
                "target": r["value"],
                "low": r["low"],
                "high": r["high"],
                "unit": r["unit"],
                "simulated": r["simulated"],
                "sim_low": r["sim_low"],
                "sim_high": r["sim_high"],
                "distance": r["distance"],
                "within": ("yes" if ok else "no") + f" ({r['rule']})",
                "source": r["source_full"],
                "note": " ".join(notes),
            }
        )
    return pd.DataFrame(rows)


def report_figure(table: pd.DataFrame, title: str = "Calibration: simulated against target"):
    """Every target on one relative scale (value / target), with the target's interval (or the
    +-20% band) and the simulated value's Monte Carlo interval. Returns a plotly Figure."""
    import plotly.graph_objects as go

    t = table.iloc[::-1]
    y = t["target_id"].tolist()
    tv = t["target"].to_numpy(float)
    has = np.isfinite(t["low"].to_numpy(float))
    tlo = np.where(has, t["low"].to_numpy(float), 0.8 * tv) / tv
    thi = np.where(has, t["high"].to_numpy(float), 1.2 * tv) / tv
    sv = t["simulated"].to_numpy(float) / tv
    slo = t["sim_low"].to_numpy(float) / tv
    shi = t["sim_high"].to_numpy(float) / tv
    colour = np.where(t["within"].str.startswith("yes"), "#1b7837", "#b2182b")
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=np.ones(len(y)), y=y, mode="markers", name="target (interval, else +-20%)",
        marker={"symbol": "line-ns-open", "size": 14, "color": "#444"},
        error_x={"type": "data", "symmetric": False, "array": thi - 1, "arrayminus": 1 - tlo, "color": "#999", "thickness": 6, "width": 0},
        customdata=np.column_stack([tv, t["low"], t["high"], t["unit"]]),
        hovertemplate="%{y}: target %{customdata[0]} (%{customdata[1]}-%{customdata[2]}) %{customdata[3]}<extra></extra>",
    ))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=sv, y=y, mode="markers", name="simulated (Monte Carlo 95% interval)",
        marker={"size": 8, "color": colour.tolist()},
        error_x={"type": "data", "symmetric": False, "array": shi - sv, "arrayminus": sv - slo, "color": "#333", "thickness": 1.5},
        customdata=np.column_stack([t["simulated"], t["sim_low"], t["sim_high"], t["within"]]),
        hovertemplate="%{y}: simulated %{customdata[0]:.3g} (%{customdata[1]:.3g}-%{customdata[2]:.3g}); %{customdata[3]}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(
        title=title,
        xaxis={"title": "value / target (log scale); green = within, red = not met", "type": "log"},
        yaxis={"title": None, "automargin": True},
        height=max(400, 22 * len(y) + 150),
        legend={"orientation": "h", "y": -0.08},
        template="plotly_white",
    )
    return fig


def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    if isinstance(x, (float, np.floating)):
        return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:.0f}"
    return str(x)


def confirmation_table(evaluated_by_seed: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """Per target: the simulated value and the verdict at each seed (columns ``seed S``, ``seed S within``)."""
    cols = {}
    target = None
    for seed, t in evaluated_by_seed.items():
        target = t["value"]
        cols[f"seed {seed}"] = t["simulated"]
        cols[f"seed {seed} within"] = t["within"].astype(bool)
    out = pd.DataFrame(cols)
    out.insert(0, "target", target)
    return out


def report_markdown(
    table: pd.DataFrame,
    *,
    command: str,
    meta: Mapping[str, object],
    parameters: pd.DataFrame | None = None,
    plans: Mapping[str, str] | None = None,
    confirmation: pd.DataFrame | None = None,
) -> str:
    """The Markdown report; ``command`` (the one command that reproduces it) goes on top.

    ``confirmation`` (from :func:`confirmation_table`) adds the same targets simulated with other
    seeds, to show which results are at the edge of their interval.
    """
    fitted = table[table["role"] == "fitted"]
    lines = [
        "# Calibration report",
        "",
        "Reproduce this report (and `report.csv`, `figure.json`, `figure.html`) with one command:",
        "",
        f"    {command}",
        "",
    ]
    lines += [f"- {k}: `{v}`" for k, v in meta.items()]
    n_ok = int(fitted["within"].str.startswith("yes").sum())
    lines += [
        f"- fitted targets within their interval (or 20%): **{n_ok} of {len(fitted)}**; "
        f"total distance over fitted targets: **{np.nansum(fitted['distance']):.2f}**",
        f"- all targets within: {int(table['within'].str.startswith('yes').sum())} of {len(table)}",
        "",
        "Distance = ((simulated - target) / scale)^2, scale = interval half-width / 1.96 where the source "
        "gives an interval, else 10% of the value. *Within* = inside the source's interval where given, "
        "else within 20% of the value. Simulated intervals are Monte Carlo 95% intervals "
        "(binomial, Poisson or Greenwood). Roles: *fitted* = in the calibration objective; *checked* = a "
        "natural-history target compared but not fitted (reason in the note); *input* = an effect "
        "estimate taken directly into the parameter file, reported with a check that the simulation "
        "reproduces it.",
        "",
    ]
    if plans:
        lines += ["Simulated study designs (one simulation per plan, common random numbers):", ""]
        lines += [f"- `{k}`: {v}" for k, v in plans.items()]
        lines += [""]
    lines += [
        "## Targets",
        "",
        "| target_id | role | target | low | high | unit | simulated | sim_low | sim_high | distance | within |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['target_id']} | {r['role']} | {_fmt(r['target'])} | {_fmt(r['low'])} | {_fmt(r['high'])} | {r['unit']} | "
            f"{_fmt(r['simulated'])} | {_fmt(r['sim_low'])} | {_fmt(r['sim_high'])} | {_fmt(r['distance'])} | {r['within']} |"
        )
    unmet = table[~table["within"].str.startswith("yes")]
    lines += ["", "## Targets not met, and why", ""]
    if unmet.empty:
        lines += ["Every target is within its interval (or within 20% of its value)."]
    for _, r in unmet.iterrows():
        reason = r["note"].split("NOT MET: ", 1)[-1] if "NOT MET: " in r["note"] else r["note"]
        reason = reason[:1].upper() + reason[1:]
        lines.append(
            f"- **{r['target_id']}** ({r['quantity']}): target {_fmt(r['target'])}, simulated "
            f"{_fmt(r['simulated'])} ({_fmt(r['sim_low'])}-{_fmt(r['sim_high'])}) {r['unit']}. {reason}"
        )
    if confirmation is not None and len(confirmation):
        seeds = [c for c in confirmation.columns if c.startswith("seed ") and not c.endswith(" within")]
        role = table.set_index("target_id")["role"]
        lines += ["", "## Monte Carlo confirmation: the same parameters with other seeds", ""]
        for c in seeds:
            ok = confirmation.loc[role[confirmation.index] == "fitted", c + " within"]
            lines.append(f"- {c}: fitted targets within: {int(ok.sum())} of {len(ok)}")
        flip = confirmation[confirmation[[c + " within" for c in seeds]].nunique(axis=1) > 1]
        lines += [
            "",
            "Targets whose verdict changes with the seed (they sit at the edge of their interval; the "
            "reason a target can miss is the one given above or below):",
            "",
        ]
        if flip.empty:
            lines.append("None: every verdict is the same at every seed.")
        else:
            head = ["target_id", "target"] + [c for c in seeds]
            lines += ["| " + " | ".join(head) + " | why it can miss |", "|" + "---|" * (len(head) + 1)]
            for tid, r in flip.iterrows():
                cells = [tid, _fmt(r["target"])] + [
                    f"{_fmt(r[c])} ({'yes' if r[c + ' within'] else 'no'})" for c in seeds
                ]
                why = UNMET_REASONS.get(tid, "at the edge of its interval (Monte Carlo error)")
                lines.append("| " + " | ".join(cells) + f" | {why[:1].upper() + why[1:]} |")
    if parameters is not None and len(parameters):
        lines += ["", "## Free parameters (leaves marked `calibrate:`)", ""]
        cols = list(parameters.columns)
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for _, r in parameters.iterrows():
            lines.append("| " + " | ".join(_fmt(r[c], 4) for c in cols) + " |")
        if "approx 95% low" in cols:
            lines += [
                "",
                "Approximate intervals carry the target scales back through the Gauss-Newton Jacobian. An "
                "interval that spans most of the bounds means that no target identifies the parameter; a weak "
                "prior (a quarter of the log-bound width) then keeps it near its start instead of letting it "
                "drift on Monte Carlo noise.",
            ]
    lines += ["", "## Notes and definitions", ""]
    for _, r in table.iterrows():
        if r["note"]:
            lines.append(f"- **{r['target_id']}**: {r['note']}")
    lines += ["", "## Sources", ""]
    for src in dict.fromkeys(table["source"]):
        lines.append(f"- {src}")
    return "\n".join(lines) + "\n"


def write_report(
    out_dir: str | os.PathLike[str],
    table: pd.DataFrame,
    *,
    command: str,
    meta: Mapping[str, object],
    parameters: pd.DataFrame | None = None,
    plans: Mapping[str, str] | None = None,
    confirmation: pd.DataFrame | None = None,
) -> Path:
    """Write ``report.md``, ``report.csv``, ``figure.json`` and ``figure.html`` atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "report.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(
            report_markdown(table, command=command, meta=meta, parameters=parameters, plans=plans, confirmation=confirmation)
        )
    fig = report_figure(table)
    with atomic_path(out / "figure.json") as tmp:
        tmp.write_text(fig.to_json(pretty=False, engine="json"))
    with atomic_path(out / "figure.html") as tmp:
        fig.write_html(str(tmp), include_plotlyjs=True, full_html=True, div_id="calibration-figure")  # offline
    return out
