"""Rebuild the data behind cmprsk's published test printout (``cvirisk/data/cmprsk_example.csv``).

The R package cmprsk ships ``tests/test.R`` and its saved output ``tests/test.Rout.save``
(produced with R 1.2.1, January 2001). The script draws its data with ``set.seed(2)``:

    ss   <- rexp(100)                              # times
    gg   <- sample(1:3, 100, replace = TRUE)       # group a/b/c
    cc   <- sample(0:2, 100, replace = TRUE)       # 0 censored, 1 and 2 the causes
    strt <- sample(1:2, 100, replace = TRUE)       # stratum
    dd   <- abs(rnorm(100))                        # other times
    cv   <- matrix(sample(0:1, 300, replace = TRUE), ncol = 3); cv[c(1, 10, 20)] <- NA

and prints ``cuminc`` estimates and ``crr`` coefficients on them. To compare cvirisk with those
printed numbers, this script re-draws the same numbers by re-implementing, from their published
descriptions, the generators R 1.2.1 used by default:

- uniforms: Marsaglia's multiply-with-carry generator (R's default before 1.7.0), seeded the way
  ``set.seed`` seeds it (the seed passed through 50 + 2 steps of the congruential map
  ``s -> 69069 s + 1`` modulo 2^32), with R's guard keeping values strictly inside (0, 1);
- exponentials: Ahrens & Dieter (1972), Comm. ACM 15:873-82, algorithm SA, as in R's ``exp_rand``;
- normals: Kinderman & Ramage (1976), JASA 71:893-6, in the form R used before 1.7.0 (later
  kept as ``"Buggy Kinderman-Ramage"``);
- ``sample(..., replace = TRUE)``: ``floor(n * U) + 1``, R's rule before 3.6.0.

The proof that the numbers are the same is in the printout itself: the Aalen-Johansen estimates
of these data reproduce every ``cuminc`` figure of test.Rout.save to its 7 printed digits
(``tests/survival/test_survival_cmprsk_printout.py``).

Usage::

    python synthetic/make_cmprsk_example.py            # write the CSV
    python synthetic/make_cmprsk_example.py --check    # exit 1 if the shipped file differs
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "cvirisk" / "data" / "cmprsk_example.csv"

_MASK = 0xFFFFFFFF
_INV = 2.328306437080797e-10  # 1 / (2^32 - 1), R's scale for 32-bit generators


class MultiplyWithCarry:
    """Marsaglia's two-lag multiply-with-carry uniform generator, seeded as R's ``set.seed``."""

    def __init__(self, seed: int):
        s = seed & _MASK
        for _ in range(50):  # R's initial scrambling of the user's seed
            s = (69069 * s + 1) & _MASK
        state = []
        for _ in range(2):
            s = (69069 * s + 1) & _MASK
            state.append(s or 1)  # a zero half would stay zero for ever
        self.hi, self.lo = state

    def uniform(self) -> float:
        self.hi = (36969 * (self.hi & 0xFFFF) + (self.hi >> 16)) & _MASK
        self.lo = (18000 * (self.lo & 0xFFFF) + (self.lo >> 16)) & _MASK
        u = (((self.hi << 16) & _MASK) ^ (self.lo & 0xFFFF)) * _INV
        if u <= 0.0:
            return 0.5 * _INV
        if u >= 1.0:
            return 1.0 - 0.5 * _INV
        return u


# Partial sums of (ln 2)^k / k!, the table of Ahrens & Dieter's algorithm SA.
_SA = [sum(math.log(2.0) ** j / math.factorial(j) for j in range(1, k + 1)) for k in range(1, 17)]


def exponential(g: MultiplyWithCarry) -> float:
    """One standard exponential by Ahrens & Dieter's algorithm SA (a uniform's binary expansion)."""
    shift, u = 0.0, g.uniform()
    u += u
    while u <= 1.0:
        shift += _SA[0]
        u += u
    u -= 1.0
    if u <= _SA[0]:
        return shift + u
    smallest = g.uniform()
    k = 0
    while True:
        smallest = min(smallest, g.uniform())
        k += 1
        if u <= _SA[k]:
            return shift + smallest * _SA[0]


_KR_A = 2.216035867166471


def _kr_g(x: float) -> float:
    return 0.398942280401433 * math.exp(-x * x / 2.0) - 0.180025191068563 * (_KR_A - abs(x))


def _pick(u2: float, u3: float, x: float) -> float:
    return x if u2 < u3 else -x


def normal(g: MultiplyWithCarry) -> float:
    """One standard normal by Kinderman & Ramage's method, in R's pre-1.7.0 form."""
    u1 = g.uniform()
    if u1 < 0.884070402298758:  # the central triangle
        return _KR_A * (1.13113163544180 * u1 + g.uniform() - 1.0)
    if u1 >= 0.973310954173898:  # the tail beyond A
        while True:
            u2, u3 = g.uniform(), g.uniform()
            tt = _KR_A * _KR_A - 2.0 * math.log(u3)
            if u2 * u2 < _KR_A * _KR_A / tt:
                return math.sqrt(tt) if u1 < 0.986655477086949 else -math.sqrt(tt)
    if u1 >= 0.958720824790463:
        while True:
            u2, u3 = g.uniform(), g.uniform()
            tt = _KR_A - 0.630834801921960 * min(u2, u3)
            if max(u2, u3) <= 0.755591531667601 or 0.034240503750111 * abs(u2 - u3) <= _kr_g(tt):
                return _pick(u2, u3, tt)
    if u1 >= 0.911312780288703:
        while True:
            u2, u3 = g.uniform(), g.uniform()
            tt = 0.479727404222441 + 1.105473661022070 * min(u2, u3)
            if max(u2, u3) <= 0.872834976671790 or 0.049264496373128 * abs(u2 - u3) <= _kr_g(tt):
                return _pick(u2, u3, tt)
    while True:
        u2, u3 = g.uniform(), g.uniform()
        tt = 0.479727404222441 - 0.595507138015940 * min(u2, u3)
        if max(u2, u3) <= 0.805577924423817:
            return _pick(u2, u3, tt)


def sample_with_replacement(g: MultiplyWithCarry, values: list, k: int) -> list:
    return [values[int(len(values) * g.uniform())] for _ in range(k)]


def build() -> pd.DataFrame:
    """The 100 rows of test.R's data, drawn in the script's order."""
    g = MultiplyWithCarry(2)
    ss = [exponential(g) for _ in range(100)]
    gg = sample_with_replacement(g, ["a", "b", "c"], 100)
    cc = sample_with_replacement(g, [0, 1, 2], 100)
    strt = sample_with_replacement(g, [1, 2], 100)
    dd = [abs(normal(g)) for _ in range(100)]
    cv = sample_with_replacement(g, [0, 1], 300)  # R fills a matrix column by column
    df = pd.DataFrame({"ss": ss, "cc": cc, "gg": gg, "strt": strt, "dd": dd,
                       "cv1": cv[0:100], "cv2": cv[100:200], "cv3": cv[200:300]})  # fmt: skip
    df["cv1"] = df["cv1"].astype("Float64")
    df.loc[[0, 9, 19], "cv1"] = (
        pd.NA
    )  # cv[c(1, 10, 20)] <- NA: rows 1, 10 and 20 of the first column
    return df


def to_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, float_format="%.17g")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped file differs")
    args = parser.parse_args(argv)
    text = to_csv(build())
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print(
            f"{OUT.name}: {'up to date' if same else 'DIFFERS; run python synthetic/make_cmprsk_example.py'}"
        )
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
