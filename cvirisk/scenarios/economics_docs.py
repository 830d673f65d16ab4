"""Write ``docs/economics.md``: the health economics explained, its parameters, and a worked example.

``python -m cvirisk.scenarios.economics_docs`` runs the worked example (doubled surgical capacity
and doubled compression adherence against the baseline: paired comparison, ICER, net monetary
benefit, PSA with the cost-effectiveness plane and acceptability curve) and writes the document;
every number in it comes from that run. The parameter table is rendered from the shipped
parameters (:func:`render_parameters`), so the test suite checks it is current without rerunning
the example.

Examples
--------
>>> from cvirisk.params import load_params
>>> "| `economics.costs.surgery` |" in render_parameters(load_params())
True
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cvirisk.params import Params, load_params, params_hash

__all__ = ["EXAMPLE", "render_parameters", "run_example", "render", "main", "DEFAULT_PATH"]

DEFAULT_PATH = Path("docs") / "economics.md"


@dataclass(frozen=True)
class Example:
    """What the worked example runs (its command line is printed in the document)."""

    scenarios: tuple[str, ...] = ("surgical_capacity_doubled", "compression_adherence_doubled")
    n: int = 10_000
    replications: int = 10
    years: float = 20.0
    seed: int = 1
    psa_draws: int = 40
    wtp: tuple[float, ...] = (20_000.0, 30_000.0)
    ceac_wtp: tuple[float, ...] = (0.0, 10_000.0, 20_000.0, 30_000.0, 50_000.0, 100_000.0)


EXAMPLE = Example()


def _leaves(node, where: str):
    if isinstance(node, dict) and "value" in node and "source" in node:
        yield where, node
        return
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, f"{where}.{key}")


def render_parameters(params: Params) -> str:
    """The ``economics`` parameters as a Markdown table: key, value, PSA distribution, source."""
    from cvirisk.params import params_to_dict

    lines = ["| parameter | value | PSA (central 95%) | source |", "|---|---|---|---|"]
    for key, leaf in _leaves(params_to_dict(params)["economics"], "economics"):
        unc = leaf.get("uncertainty")
        psa = f"{unc['distribution']} ({unc['low']:g}, {unc['high']:g})" if unc else "fixed"
        value = leaf["value"]
        value = f"{value:g}" if isinstance(value, float) else str(value)
        lines.append(f"| `{key}` | {value} | {psa} | {leaf['source']} |")
    return "\n".join(lines) + "\n"


def run_example(params: Params | None = None, example: Example = EXAMPLE, workers: int = 1) -> dict:
    """Run the worked example; returns the comparison, the CE table, the CE plane and the CEAC."""
    from cvirisk.scenarios.comparison import compare
    from cvirisk.scenarios.economics import ce_plane, ceac, cost_effectiveness
    from cvirisk.scenarios.psa import run_psa

    params = load_params() if params is None else params
    common = {"n": example.n, "years": example.years, "workers": workers}
    comp = compare(list(example.scenarios), params=params, seed=example.seed, replications=example.replications,
                   wtp=example.wtp, **common)  # fmt: skip
    psa = run_psa(
        list(example.scenarios),
        params,
        example.psa_draws,
        seed=example.seed,
        replications=1,
        **common,
    )
    plane = ce_plane(psa.draws)
    return {"comparison": comp, "ce": cost_effectiveness(comp.table, example.wtp), "plane": plane,
            "ceac": ceac(plane, example.ceac_wtp)}  # fmt: skip


def _md(df: pd.DataFrame, digits: int = 4) -> str:
    def fmt(x):
        if isinstance(x, float):
            return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"
        return str(x)

    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "".join(
        "| " + " | ".join(fmt(v) for v in row) + " |\n" for row in df.itertuples(index=False)
    )


_METHOD = """\
## What accrues, and how it is discounted

Everything is read from the event log by `cvirisk.outcomes.economics` (inside the outcomes
package, one of the few modules allowed to read the log's `detail` text), over follow-up from baseline
(`t = 0`) to each person's exit (death or the end of follow-up):

* **QALYs**: the EQ-5D utility of the person's CEAP class (the worse leg's; `open_ulcer` while
  an ulcer is open, C6) between class changes, less additive decrements while an acute DVT or
  PE lasts (`economics.episode_years`) and, from the person's first post-thrombotic deep valve
  failure (before or after baseline), for post-thrombotic syndrome.
* **Costs** (NHS perspective): one duplex examination per visit (both legs), one operation per
  `surgery done`, one treatment per infection, DVT and PE (fatal PE included), compression per
  year while worn, and ulcer care per week for each leg while its ulcer is open.

**Discounting is continuous**: something at time `t` (years since baseline) weighs
`(1 + r)^-t`, the annual factor itself at whole years, and a constant flow from `a` to `b`
weighs `((1 + r)^-a - (1 + r)^-b) / ln(1 + r)`, exactly. The model has no time step and no
cycles; discounting by whole years would make a result depend on where an event falls within
its year, which nothing in the disease decides. Utilities and cost rates are constant between
events, so each integral is closed form (`cvirisk.outcomes.economics.discounted_time`); the
tests check a hand-built life against a hand-computed QALY total, and every cost item.

**Cost-effectiveness** (`cvirisk.scenarios.economics`): the baseline and each scenario are run on
the same cohort with the same random numbers, replication by replication; incremental costs
and QALYs per person are paired differences with t intervals over replications. The ICER is
the ratio of the mean increments, read with its quadrant (a negative ICER means dominance or
being dominated). The net monetary benefit `NMB = wtp x QALYs - costs` is differenced within
each replication and carries the uncertainty: a scenario is cost-effective at `wtp` when the
incremental NMB is positive (`decision`: `cost-effective` when its interval lies above 0,
`not cost-effective` below, else `uncertain`). The PSA draws every parameter with an
`uncertainty:` leaf (gamma for costs, beta for utilities and decrements, and the natural
history's distributions) and gives the cost-effectiveness plane and the acceptability curve:
at each `wtp`, the share of draws in which each option has the highest NMB.

`cvirisk scenario` writes all of it: `comparison.csv` (every outcome with its unit, the NMB at
each `--wtp` and the ICER), `comparison_dictionary.csv` (every column and outcome defined),
`cost_effectiveness.csv`, and with `--psa-draws` `ce_plane.csv`, `ceac.csv`; `report.html` shows
the tables and figures with plotly.js embedded (it opens with no network).
"""

_LIMITS = """\
## Limits of this example

* Utilities and costs are plausible magnitudes marked "assumption" in their sources; a decision
  needs them from a systematic review (and the CEAC shows how much they matter).
* No cost of the intervention itself is modelled: doubling surgical capacity costs only the
  operations done (earlier, or more of them), not the theatre time that may stand idle; doubled
  compression adherence costs only the stockings worn. Add programme costs before reading the
  ICER as a price.
* Utilities do not decline with age (no general-population norms by age), and decrements add
  (no multiplicative model); person-level utility follows the worse leg only.
* The cohort is the general adult population, where few people reach surgery or ulceration, so
  effects per person are small; a targeted cohort (people with CVI) shows them larger.
"""


def render(params: Params, result: dict, example: Example = EXAMPLE) -> str:
    """The whole document from the worked example's ``result`` (:func:`run_example`)."""
    comp = result["comparison"]
    money = f"{params.economics.currency.value} ({params.economics.price_year.value} prices)"
    cmd = (f"cvirisk scenario {' '.join(f'--scenario {s}' for s in example.scenarios)} --n {example.n} "
           f"--replications {example.replications} --years {example.years:g} --seed {example.seed} "
           f"--psa-draws {example.psa_draws} {' '.join(f'--wtp {w:g}' for w in example.wtp)} --out ce_example")  # fmt: skip
    keep = ["surgeries", "mean_wait_years", "ulcer_years", "life_years", "qalys_per_person", "costs_per_person",
            *[f"net_monetary_benefit_at_{w:g}" for w in example.wtp], "icer"]  # fmt: skip
    t = comp.table[comp.table["outcome"].isin(keep)]
    t = t[
        [
            "scenario",
            "outcome",
            "unit",
            "baseline",
            "scenario_value",
            "difference",
            "lower",
            "upper",
            "quadrant",
        ]
    ]
    ce = result["ce"].drop(columns=["delta_costs_lower", "delta_costs_upper", "delta_qalys_lower",
                                    "delta_qalys_upper"])  # fmt: skip
    curve = result["ceac"].pivot(index="wtp", columns="option", values="probability").reset_index()
    plane = result["plane"]
    sampled = plane[plane["draw"] > 0]
    spread = sampled.groupby("scenario").agg(
        draws=("draw", "size"), delta_qalys_mean=("delta_qalys", "mean"), delta_costs_mean=("delta_costs", "mean"),
        share_more_qalys=("delta_qalys", lambda x: float((x > 0).mean())),
        share_cheaper=("delta_costs", lambda x: float((x < 0).mean()))).reset_index()  # fmt: skip
    parts = [
        "# Health economics: QALYs, costs and cost-effectiveness\n",
        "<!-- generated by `python -m cvirisk.scenarios.economics_docs`; do not edit by hand -->\n",
        f"Parameters hash: `{params_hash(params)}` (the shipped parameters this document was run with).\n",
        _METHOD,
        "## Parameters (`economics` in `cvirisk/params/defaults/cvirisk.yaml`)\n",
        render_parameters(params),
        "## Worked example: doubled surgical capacity (and doubled compression adherence) against the baseline\n",
        f"The same run from the command line (writes the files and `report.html` with the figures):\n\n"
        f"```\n{cmd}\n```\n",
        f"{example.n:,} persons (the shipped population), {example.replications} replications with common random "
        f"numbers, {example.years:g} years of follow-up, seed {example.seed}; costs in {money}, costs and effects "
        f"discounted at {params.economics.discount_rate_costs_per_year.value:g} and "
        f"{params.economics.discount_rate_effects_per_year.value:g} a year. Engine: {', '.join(comp.manifest['engine'])} "
        "(finite surgical capacity: the waiting list is resolved in time order).\n",
        "### Paired comparison (means over replications, 95% t intervals of the paired differences)\n",
        _md(t),
        "### Cost-effectiveness\n",
        _md(ce),
        f"### PSA: cost-effectiveness plane ({example.psa_draws} parameter draws, one replication each)\n",
        _md(spread),
        "### Acceptability curve (share of draws in which each option has the highest net monetary benefit)\n",
        _md(curve, digits=3),
        "### Reading it\n",
        _reading(result["ce"], comp.table),
        _LIMITS,
    ]
    return "\n".join(parts)


def _reading(ce: pd.DataFrame, table: pd.DataFrame) -> str:
    lines = []
    for name, g in ce.groupby("scenario", sort=False):
        row = g.iloc[0]
        wait = table[(table["scenario"] == name) & (table["outcome"] == "mean_wait_years")]
        wait_txt = ""
        if len(wait) and pd.notna(wait["baseline"].iloc[0]):
            w = wait.iloc[0]
            wait_txt = (f" The mean wait for surgery goes from {w['baseline']:.3g} to {w['scenario_value']:.3g} "
                        "years.")  # fmt: skip
        decisions = ", ".join(f"{r.decision} at {r.wtp:,.0f}" for r in g.itertuples())
        lines.append(
            f"* **{name}**: incremental costs {row['delta_costs']:.3g} ({row['delta_costs_lower']:.3g} to "
            f"{row['delta_costs_upper']:.3g}) and QALYs {row['delta_qalys']:.3g} "
            f"({row['delta_qalys_lower']:.3g} to {row['delta_qalys_upper']:.3g}) per person; ICER "
            f"{row['icer']:,.0f} per QALY ({row['quadrant']}); incremental NMB: {decisions}.{wait_txt}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m cvirisk.scenarios.economics_docs [--out PATH] [--workers K]``."""
    from cvirisk.io.atomic import atomic_path

    ap = argparse.ArgumentParser(
        prog="python -m cvirisk.scenarios.economics_docs", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH)
    ap.add_argument(
        "--workers", type=int, default=1, help="local processes (results do not depend on it)"
    )
    args = ap.parse_args(argv)
    params = load_params()
    text = render(params, run_example(params, workers=args.workers))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.out) as tmp:
        tmp.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
