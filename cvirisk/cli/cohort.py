"""``cvirisk cohort``: generate a synthetic cohort and write it as Parquet or CSV.

Usage::

    cvirisk cohort --n 100000 --seed 1 --out cohort.parquet
    cvirisk cohort --n 5000 --seed 2 --out smokers50.csv --age 50 --smoking current,former
    cvirisk cohort --n 5000 --seed 3 --out old.parquet --oversample-age 1,1,1,1,2,3 --set cohort.bmi.sd_log=0.18

The same arguments give a byte-identical Parquet file. Bad input (a parameter file, an
override, an impossible condition) ends with exit status 2 and one line naming the key.
"""

from __future__ import annotations

import argparse
import sys

from cvirisk.cli._common import (
    add_params_options,
    add_seed_option,
    load_params_from_args,
    non_negative_int,
    positive_float,
    positive_int,
)
from cvirisk.exceptions import InputError

#: Below this many persons no progress bar is shown.
PROGRESS_FROM = 200_000


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def _factors(text: str) -> tuple[float, ...]:
    return tuple(positive_float(part) for part in text.split(","))


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "cohort",
        help="generate a synthetic cohort (Parquet or CSV)",
        description="Draw a synthetic cohort of adults at baseline from the parameters' cohort section, "
        "optionally conditioned (age, sex, smoking) or oversampled (with a weight column).",
    )
    p.add_argument("--n", type=positive_int, required=True, help="number of persons")
    add_seed_option(p)
    p.add_argument("--replication", type=non_negative_int, default=0, help="replication number (default 0)")
    p.add_argument("--out", required=True, metavar="FILE", help="output file, .parquet or .csv")
    add_params_options(p)
    p.add_argument("--age", type=_number, help="everyone has this baseline age")
    p.add_argument("--age-min", type=_number, help="lowest baseline age (inclusive)")
    p.add_argument("--age-max", type=_number, help="highest baseline age (exclusive)")
    p.add_argument("--sex", choices=("female", "male"), help="a one-sex cohort")
    p.add_argument("--smoking", metavar="S1,S2", help="allowed smoking statuses, e.g. current,former")
    p.add_argument("--oversample-age", type=_factors, metavar="F1,...",
                   help="relative sampling factor per age band (weights undo it)")
    p.add_argument("--oversample-obese", type=positive_float, default=1.0, metavar="F",
                   help="factor on the odds of drawing an obese person, BMI >= 30 (weights undo it)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cvirisk.cohort import CohortSpec, generate_cohort, validate_cohort
    from cvirisk.io.atomic import write_table_atomic
    from cvirisk.io.limits import PER_PERSON_COHORT, check_memory
    from cvirisk.io.result_folder import check_output_file

    out = Path(args.out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"--out {args.out}: unknown output format {out.suffix!r}; use .parquet or .csv")
    check_output_file(out)  # before any work
    check_memory(args.n, PER_PERSON_COHORT, f"--n {args.n}", "persons")
    params = load_params_from_args(args)
    spec = CohortSpec(
        age=args.age, age_min=args.age_min, age_max=args.age_max, sex=args.sex,
        smoking=args.smoking, oversample_age=args.oversample_age, oversample_obese=args.oversample_obese,
    )  # fmt: skip
    show = None if args.n >= PROGRESS_FROM and not args.quiet else False
    df = generate_cohort(args.n, seed=args.seed, params=params, spec=spec, replication=args.replication,
                         progress=show)
    write_table_atomic(validate_cohort(df, str(out)), out)
    print(f"cvirisk cohort: {len(df):,} persons written to {out}", file=sys.stderr)
    return 0
