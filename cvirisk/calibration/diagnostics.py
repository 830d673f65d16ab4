"""Diagnostics of a Bayesian calibration: contraction, posterior predictive checks, figures, report.

Posterior predictive check
    ``m`` posterior draws are simulated again (each with its own seed, ``n`` persons per plan,
    the calibration's ``n``) and every target of the ``general`` and ``vte`` plans is computed.
    A replicated *study* differs from the simulated figure also by the study's own sampling
    error, so the predictive distribution of a target is the simulated value plus a normal
    error of the target's scale (interval half-width / 1.96, else 10% of the value: the same
    scale as in the distance). A target is *covered* when its observed value lies inside the
    central 95% of that predictive distribution.

Contraction
    ``1 - posterior variance / prior variance`` on the prior's scale (``log10`` for log-uniform
    priors): 0 when the targets taught nothing about the parameter, near 1 when they pin it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cvirisk.calibration.bayes import (
    SE_SUFFIX,
    Posterior,
    Prior,
    TargetModel,
    fitted_targets,
)
from cvirisk.calibration.designs import DESIGNS
from cvirisk.calibration.targets import target_scale

__all__ = [
    "contraction",
    "ppc_targets",
    "predictive_draws",
    "predictive_summary",
    "figures",
    "write_report",
]

#: plans simulated by the predictive check (the ulcer plan checks input effects, not the posterior)
PPC_PLANS = ("general", "vte")


def contraction(posterior: Posterior) -> pd.DataFrame:
    """Per parameter: prior and posterior mean, 5/50/95% quantiles and contraction (see module doc)."""
    rows = []
    for p in posterior.priors:
        v = posterior.draws[p.key].to_numpy(float)
        x = p.to_x(v)
        prior_var = (p.x_high - p.x_low) ** 2 / 12.0
        q5, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        rows.append({"parameter": p.key, "prior": p.kind, "low": p.low, "high": p.high,
                     "posterior_5%": q5, "posterior_50%": q50, "posterior_95%": q95,
                     "contraction": 1.0 - float(np.var(x)) / prior_var})  # fmt: skip
    return pd.DataFrame(rows)


def ppc_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets of the plans the predictive check simulates."""
    ids = {t for d in DESIGNS.values() if d.plan in PPC_PLANS for t in d.targets}
    return targets.loc[[t for t in targets.index if t in ids]]


def _simulate_draw(args) -> list[dict]:
    model, values, seed, draw = args
    if isinstance(model, bytes):  # parameter objects pickle with cloudpickle only
        import cloudpickle

        model = cloudpickle.loads(model)
    res = model.evaluate(values, seed)
    return [
        {"draw": draw, "target_id": t, "simulated": res[t], "se": res[t + SE_SUFFIX]}
        for t in model.targets.index
    ]


def predictive_draws(params, posterior: Posterior, targets: pd.DataFrame, *, m: int = 100, n: int = 2_000,
                     seed: int = 1, engine: str = "fast", workers: int = 1, simulate: Callable | None = None,
                     progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:  # fmt: skip
    """Simulate the first ``m`` posterior draws (seeds ``seed + 1000 + draw``); long table of simulated targets."""
    sub = ppc_targets(targets) if simulate is None else targets
    model = TargetModel(
        params,
        list(posterior.priors),
        sub,
        n=n,
        engine=engine,
        simulate=simulate,
        study_noise=False,
    )
    rows = posterior.draws.head(m)
    jobs = [(model, {k: float(r[k]) for k in posterior.keys}, seed + 1000 + int(r["draw"]), int(r["draw"]))
            for _, r in rows.iterrows()]  # fmt: skip
    out: list[dict] = []
    if workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        import cloudpickle

        payload = cloudpickle.dumps(model)
        jobs = [(payload, *job[1:]) for job in jobs]
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            for i, res in enumerate(ex.map(_simulate_draw, jobs), start=1):
                out.extend(res)
                if progress:
                    progress(i, len(jobs))
    else:
        for i, job in enumerate(jobs, start=1):
            out.extend(_simulate_draw(job))
            if progress:
                progress(i, len(jobs))
    return pd.DataFrame(out)


def predictive_summary(draws: pd.DataFrame, targets: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Per target: observed value and interval, simulated and predictive 2.5/50/97.5%, covered, fitted."""
    fitted = set(fitted_targets(targets))
    rng = np.random.default_rng(seed)
    rows = []
    for tid, g in draws.groupby("target_id", sort=False):
        t = targets.loc[tid]
        lo = t["low"] if np.isfinite(t["low"]) else None
        hi = t["high"] if np.isfinite(t["high"]) else None
        scale = target_scale(t["value"], lo, hi)
        sim = g["simulated"].to_numpy(float)
        sim = sim[np.isfinite(sim)]
        if len(sim) == 0:
            continue
        # 200 study replicates per simulated figure: predictive = simulated + the study's error
        pred = (sim[:, None] + rng.normal(0.0, scale, (len(sim), 200))).ravel()
        s_lo, s_mid, s_hi = np.quantile(sim, [0.025, 0.5, 0.975])
        p_lo, p_hi = np.quantile(pred, [0.025, 0.975])
        rows.append({"target_id": tid, "quantity": t["quantity"], "unit": t["unit"], "fitted": tid in fitted,
                     "observed": float(t["value"]), "observed_low": lo, "observed_high": hi, "target_scale": scale,
                     "simulated_2.5%": s_lo, "simulated_50%": s_mid, "simulated_97.5%": s_hi,
                     "predictive_2.5%": p_lo, "predictive_97.5%": p_hi,
                     "covered": bool(p_lo <= t["value"] <= p_hi), "draws": len(sim)})  # fmt: skip
    return pd.DataFrame(rows)


def figures(posterior: Posterior, summary: pd.DataFrame | None = None, draws: pd.DataFrame | None = None,
            max_pairs: int = 8) -> dict:  # fmt: skip
    """Plotly figures: marginals, pairs (the ``max_pairs`` most contracted), generations, predictive checks."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figs = {}
    pri = list(posterior.priors)
    cols = 4
    rows = -(-len(pri) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p.name for p in pri])
    for i, p in enumerate(pri):
        x = p.to_x(posterior.draws[p.key].to_numpy(float))
        fig.add_trace(go.Histogram(x=x, nbinsx=25, histnorm="probability density", marker_color="#4c72b0",
                                   showlegend=False), row=i // cols + 1, col=i % cols + 1)  # fmt: skip
        fig.add_trace(go.Scatter(x=[p.x_low, p.x_high], y=[1 / (p.x_high - p.x_low)] * 2, mode="lines",
                                 line={"color": "#dd8452", "dash": "dash"}, showlegend=False),
                      row=i // cols + 1, col=i % cols + 1)  # fmt: skip
    fig.update_layout(title="Marginal posteriors (bars) against the priors (dashed), on the prior's scale "
                            "(log10 of the value for log-uniform priors)", height=260 * rows)  # fmt: skip
    figs["marginals"] = fig
    con = contraction(posterior).sort_values("contraction", ascending=False)
    top = [p for k in con["parameter"].head(max_pairs) for p in pri if p.key == k]
    k = len(top)
    fig = make_subplots(rows=k, cols=k, horizontal_spacing=0.01, vertical_spacing=0.01)
    for i, a in enumerate(top):
        for j, b in enumerate(top):
            if j >= i:
                continue
            fig.add_trace(go.Scattergl(x=b.to_x(posterior.draws[b.key].to_numpy(float)),
                                       y=a.to_x(posterior.draws[a.key].to_numpy(float)), mode="markers",
                                       marker={"size": 3, "opacity": 0.5, "color": "#4c72b0"}, showlegend=False),
                          row=i + 1, col=j + 1)  # fmt: skip
        fig.update_yaxes(title_text=a.name.split(".")[0], row=i + 1, col=1)
        fig.update_xaxes(title_text=a.name.split(".")[0], row=k, col=i + 1)
    fig.update_layout(
        title=f"Pairwise posterior draws of the {k} most contracted parameters",
        height=160 * k + 120,
    )
    figs["pairs"] = fig
    if posterior.generations is not None and len(posterior.generations):
        g = posterior.generations
        fig = make_subplots(
            rows=1, cols=3, subplot_titles=["epsilon", "acceptance rate", "effective sample size"]
        )
        for c, col in enumerate(("epsilon", "acceptance_rate", "ess"), start=1):
            fig.add_trace(
                go.Scatter(x=g["generation"], y=g[col], mode="lines+markers", showlegend=False),
                row=1,
                col=c,
            )
        fig.update_layout(title="ABC-SMC generations", height=320)
        figs["generations"] = fig
    if summary is not None and len(summary):
        figs["ppc"] = ppc_figure(summary, draws)
    return figs


def ppc_figure(summary: pd.DataFrame, draws: pd.DataFrame | None = None):
    """Each target: simulated draws (dots), 95% predictive interval (bar), observed value and interval."""
    import plotly.graph_objects as go

    s = summary.copy()
    ref = s["observed"].to_numpy(float)
    s = s.assign(label=s["target_id"] + np.where(s["fitted"], "", " (not fitted)"))

    def rel(v):
        return np.asarray(v, float) / ref

    fig = go.Figure()
    fig.add_trace(go.Bar(x=rel(s["predictive_97.5%"]) - rel(s["predictive_2.5%"]), base=rel(s["predictive_2.5%"]),
                         y=s["label"], orientation="h", marker_color="rgba(76,114,176,0.25)",
                         name="95% posterior predictive interval"))  # fmt: skip
    if draws is not None and len(draws):
        d = draws.merge(s[["target_id", "label", "observed"]], on="target_id")
        fig.add_trace(go.Scatter(x=d["simulated"] / d["observed"], y=d["label"], mode="markers",
                                 marker={"size": 3, "color": "#4c72b0", "opacity": 0.4}, name="simulated (posterior draws)"))  # fmt: skip
    has = s["observed_low"].notna()
    fig.add_trace(go.Scatter(x=np.ones(len(s)), y=s["label"], mode="markers", marker={"symbol": "diamond", "size": 9,
                             "color": np.where(s["covered"], "#2ca02c", "#d62728")}, name="observed (green: covered)",
                             error_x={"type": "data", "symmetric": False, "array": np.where(has, rel(s["observed_high"]) - 1, 0),
                                      "arrayminus": np.where(has, 1 - rel(s["observed_low"]), 0)}))  # fmt: skip
    fig.update_layout(title="Posterior predictive checks: each target relative to its observed value",
                      xaxis_title="simulated / observed", height=22 * len(s) + 200, barmode="overlay",
                      yaxis={"autorange": "reversed"})  # fmt: skip
    return fig


def write_html(path: str | os.PathLike[str], figs: dict) -> None:
    """One self-contained HTML file (plotly.js embedded once) holding every figure."""
    from cvirisk.io.atomic import atomic_path

    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"fig-{name}")
             for i, (name, f) in enumerate(figs.items())]  # fmt: skip
    html = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Bayesian calibration</title></head><body>\n"
    html += "\n".join(parts) + "\n</body></html>\n"
    with atomic_path(Path(path)) as tmp:
        Path(tmp).write_text(html, encoding="utf-8")


def _md_table(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float | np.floating):
                cells.append("" if not np.isfinite(v) else format(float(v), floatfmt))
            else:
                cells.append(str(v))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def report_markdown(
    posterior: Posterior, summary: pd.DataFrame, *, command: str, notes: Sequence[str] = ()
) -> str:
    """The Markdown report of a calibration (the command that regenerates it at the top)."""
    prov = posterior.provenance
    con = contraction(posterior)
    lines = ["# Bayesian calibration (ABC-SMC)", "",
             "Regenerate this report, the posterior it describes and `figures.html` with one command:", "",
             f"    {command}", ""]  # fmt: skip
    cfg = prov.get("config", {})
    lines += [f"- parameters hash: `{prov.get('params_hash')}`; without the calibrated values (which the calibration "
              f"overrides): `{prov.get('fixed_params_hash')}`",
              f"- targets hash: `{prov.get('targets_hash')}`; model hash: `{prov.get('model_hash')}`; seed: `{prov.get('seed')}`",
              f"- configuration: population {cfg.get('population_size')}, at most {cfg.get('generations')} generations, "
              f"n = {cfg.get('n')} persons per plan and evaluation, at most {cfg.get('max_evaluations')} evaluations, "
              f"{cfg.get('draws')} resampled draws",
              f"- method: {prov.get('method', 'ABC-SMC (pyabc)')}",
              f"- generations run: {prov.get('generations')}, evaluations: {prov.get('total_evaluations')}, "
              f"final epsilon {prov.get('final_epsilon', float('nan')):.3g} (mean squared standardised residual), "
              f"final effective sample size {prov.get('final_ess', float('nan')):.0f}",
              f"- ABC wall time (generations summed from the pyabc history): {prov.get('abc_wall_seconds') or float('nan'):.0f} s "
              f"({prov.get('workers', '?')} local processes on a shared 2-core machine)",
              f"- versions: {', '.join(f'{k} {v}' for k, v in prov.get('versions', {}).items())}",
              f"- point defaults written into `cvirisk.yaml`: {prov.get('point_defaults')}", ""]  # fmt: skip
    ess, pop = prov.get("final_ess"), cfg.get("population_size")
    if ess is not None and pop and ess < 0.1 * pop:
        lines += [f"**Warning: the final effective sample size ({ess:.0f} of {pop} particles) is below 10%: the "
                  "importance weights have collapsed and the posterior rests on a few particles.**", ""]  # fmt: skip
    covered = summary[summary["covered"]]
    fit = summary[summary["fitted"]]
    lines += ["## Posterior predictive checks", "",
              f"Fitted targets covered by their 95% posterior predictive interval: **{int(fit['covered'].sum())} of {len(fit)}**; "
              f"all simulated targets: {len(covered)} of {len(summary)}. The predictive interval is the simulated value "
              "plus the study's own sampling error (see `cvirisk/calibration/diagnostics.py`).", ""]  # fmt: skip
    cols = [
        "target_id",
        "fitted",
        "observed",
        "observed_low",
        "observed_high",
        "simulated_2.5%",
        "simulated_50%",
        "simulated_97.5%",
        "predictive_2.5%",
        "predictive_97.5%",
        "covered",
    ]
    lines += [_md_table(summary[cols]), ""]
    lines += ["## Prior to posterior", "",
              "Contraction = 1 - posterior variance / prior variance on the prior's scale (log10 for log-uniform).", "",
              _md_table(con), ""]  # fmt: skip
    if posterior.generations is not None:
        lines += ["## Generations", "", _md_table(posterior.generations), ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines)


def write_report(out: str | os.PathLike[str], posterior: Posterior, summary: pd.DataFrame,
                 draws: pd.DataFrame | None, *, command: str, notes: Sequence[str] = ()) -> Path:  # fmt: skip
    """Write ``report.md``, ``ppc.csv``, ``contraction.csv`` and ``figures.html`` into ``out``."""
    from cvirisk.io.atomic import atomic_path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "report.md") as tmp:
        Path(tmp).write_text(
            report_markdown(posterior, summary, command=command, notes=notes), encoding="utf-8"
        )
    for name, frame in (("ppc.csv", summary), ("contraction.csv", contraction(posterior))):
        with atomic_path(out / name) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6g")
    write_html(out / "figures.html", figures(posterior, summary, draws))
    return out


def posterior_of(frame: pd.DataFrame, priors: Sequence[Prior]) -> Posterior:
    """A :class:`Posterior` from equally weighted draws (columns = dotted keys)."""
    d = frame.copy()
    if "draw" not in d.columns:
        d.insert(0, "draw", np.arange(1, len(d) + 1))
    return Posterior(d, {}, priors=list(priors))


def load_ppc(path: str | os.PathLike[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The predictive checks shipped beside a posterior (default the packaged one): summary and draws."""
    from cvirisk.calibration.bayes import posterior_path
    from cvirisk.exceptions import InputError

    folder = posterior_path() if path is None else Path(path)
    files = [folder / "ppc.csv", folder / "ppc_draws.csv"]
    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: no posterior predictive checks (run cvirisk calibrate --bayes)")
    return pd.read_csv(files[0]), pd.read_csv(files[1])


def target_figure(summary: pd.DataFrame, draws: pd.DataFrame, target_id: str):
    """One target: histogram of its simulated values over posterior draws, the observed value and interval."""
    import plotly.graph_objects as go

    row = summary.set_index("target_id").loc[target_id]
    sim = draws.loc[draws["target_id"] == target_id, "simulated"]
    fig = go.Figure(
        go.Histogram(x=sim, nbinsx=30, name="simulated (posterior draws)", marker_color="#4c72b0")
    )
    fig.add_vline(x=row["observed"], line_color="#d62728", annotation_text="observed")
    for col in ("predictive_2.5%", "predictive_97.5%"):
        fig.add_vline(x=row[col], line_dash="dash", line_color="#4c72b0")
    if np.isfinite(row["observed_low"]):
        fig.add_vrect(
            x0=row["observed_low"],
            x1=row["observed_high"],
            fillcolor="#d62728",
            opacity=0.1,
            line_width=0,
        )
    fig.update_layout(title=f"{target_id}: simulated over posterior draws (dashed: 95% predictive interval)",
                      xaxis_title=str(row["unit"]), yaxis_title="draws")  # fmt: skip
    return fig
