"""Competing risks: Aalen-Johansen cumulative incidence and cause-specific Cox models.

Causes are integer codes: 0 censored, 1, 2, ... distinct causes (as in the ``cause_code``
column of :func:`cvirisk.survival.tables.survival_table`).

:class:`AalenJohansen` is written here rather than wrapped: lifelines' fitter breaks tied
event times of different causes by random jitter drawn from numpy's global state, which
this project does not touch. Tied times are handled exactly instead: at a time with ``d``
events of any cause (``d_k`` of cause ``k``) among ``n`` at risk,
``S(t) = S(t-) (1 - d/n)`` and ``F_k(t) = F_k(t-) + S(t-) d_k / n``
(Aalen & Johansen 1978). The variance is the Greenwood-type delta-method formula in
Collett, *Modelling Survival Data in Medical Research*, 3rd ed., p. 411 (the one lifelines
uses), with intervals on the log(-log) scale.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"time": [1.0, 2, 3, 4], "cause": [1, 2, 1, 0]})
>>> aj = AalenJohansen().fit(df, "time", "cause", event_of_interest=1)
>>> [round(float(v), 3) for v in aj.cumulative_incidence_.iloc[:, 0]]
[0.0, 0.25, 0.25, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cvirisk.exceptions import InputError, NotFittedError
from cvirisk.survival.fitters import CoxPH

__all__ = ["AalenJohansen", "CauseSpecificCox", "FineGray", "finegray_table"]


class AalenJohansen:
    """Cumulative incidence of one cause in the presence of the others, with delayed entry.

    Attributes (after ``fit``): ``cumulative_incidence_`` (indexed by time, starting at the
    first entry time), ``confidence_interval_``, ``variance_``, ``event_table_``.
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, event_of_interest: int = 1,
            entry_col: str | None = None):
        t = np.asarray(df[duration_col], float)
        cause = pd.to_numeric(pd.Series(np.asarray(df[cause_col])), errors="coerce").to_numpy(float)
        if not (np.isfinite(cause) & (cause >= 0) & (cause == np.round(cause))).all():
            raise InputError(f"column {cause_col!r}: causes must be integer codes 0 (censored), 1, 2, ...")
        cause = cause.astype(np.int64)
        if event_of_interest not in set(cause[cause > 0].tolist()):
            present = ", ".join(str(k) for k in sorted(set(cause[cause > 0].tolist()))) or "none"
            raise InputError(f"event of interest {event_of_interest}: no row of column {cause_col!r} has that "
                             f"cause (causes present: {present})")
        # Without delayed entry everybody is at risk from the origin, so an event at time 0
        # (scikit-survival's bmt data has two) is counted among n at risk; with delayed entry
        # the risk set at s is {entry < s <= t}, and rows with entry == t are rejected upstream.
        entry = np.full_like(t, -np.inf) if entry_col is None else np.asarray(df[entry_col], float)
        times = np.unique(t[cause > 0])
        # at risk at time s: entry < s <= t
        n = (np.searchsorted(np.sort(entry), times, side="left")
             - np.searchsorted(np.sort(t), times, side="left")).astype(float)
        pos = np.searchsorted(times, t[cause > 0])
        d = np.bincount(pos, minlength=len(times)).astype(float)
        dk = np.bincount(pos[cause[cause > 0] == event_of_interest], minlength=len(times)).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(1.0 - d / n)
            lag_s = np.concatenate([[1.0], surv[:-1]])
            inc = np.cumsum(lag_s * dk / n)
            a = np.where(n > d, d / (n * (n - d)), np.nan)
            b = lag_s**2 * dk * (n - dk) / n**3
            c = lag_s * dk / n**2
            # Var F(t) = sum_i a_i (F - F_i)^2 + sum_i b_i - 2 sum_i c_i (F - F_i), expanded in cumsums
            var = (inc**2 * np.cumsum(a) - 2 * inc * np.cumsum(a * inc) + np.cumsum(a * inc**2)
                   + np.cumsum(b) - 2 * (inc * np.cumsum(c) - np.cumsum(c * inc)))
            z = stats.norm.isf(self.alpha / 2)
            se = np.sqrt(np.clip(var, 0, None)) / (inc * np.abs(np.log(inc)))
            lower = np.exp(-np.exp(np.log(-np.log(inc)) + z * se))
            upper = np.exp(-np.exp(np.log(-np.log(inc)) - z * se))
            none_yet = inc == 0  # only other causes so far: the incidence is exactly 0
            lower, upper = np.where(none_yet, 0.0, lower), np.where(none_yet, 0.0, upper)
        start = min(0.0, float(t.min())) if entry_col is None else float(entry.min())
        # the curve starts at 0 just before the first time; an event at the start time is its first jump
        head = [] if len(times) and times[0] <= start else [start]
        zero = [0.0] * len(head)
        index = pd.Index(np.concatenate([head, times]), name="timeline")
        label = f"CIF_{event_of_interest}"
        self.cumulative_incidence_ = pd.DataFrame({label: np.concatenate([zero, inc])}, index=index)
        self.variance_ = pd.Series(np.concatenate([zero, var]), index=index, name="variance")
        self.confidence_interval_ = pd.DataFrame(
            {f"{label}_lower_{1 - self.alpha:g}": np.concatenate([zero, lower]),
             f"{label}_upper_{1 - self.alpha:g}": np.concatenate([zero, upper])}, index=index)
        self.event_table_ = pd.DataFrame({"at_risk": n, "observed": d, "observed_cause": dk},
                                         index=pd.Index(times, name="event_at"))
        self.event_of_interest_ = event_of_interest
        self.n_ = int(len(t))
        return self

    def _check(self) -> None:
        if not hasattr(self, "cumulative_incidence_"):
            raise NotFittedError("AalenJohansen is not fitted yet; call fit first")

    @property
    def summary(self) -> pd.DataFrame:
        """Cumulative incidence with its interval, one row a time."""
        self._check()
        out = pd.concat([self.cumulative_incidence_, self.confidence_interval_], axis=1)
        out.columns = ["cumulative_incidence", "lower", "upper"]
        return out

    def predict(self, times: Sequence[float] | float) -> np.ndarray:
        """Cumulative incidence at ``times`` (right-continuous step function)."""
        self._check()
        ci = self.cumulative_incidence_.iloc[:, 0]
        idx = np.searchsorted(ci.index.to_numpy(float), np.atleast_1d(times), side="right") - 1
        return np.where(idx >= 0, ci.to_numpy()[np.clip(idx, 0, None)], 0.0)

    def plot_cumulative_incidence(self, title: str | None = None):
        from cvirisk.survival.plots import step_curve_figure

        self._check()
        return step_curve_figure({f"cause {self.event_of_interest_}": self.summary}, "cumulative_incidence",
                                 ytitle="cumulative incidence", title=title)


class CauseSpecificCox:
    """One Cox model per cause, the other causes treated as censoring.

    ``fitters_`` maps each cause code to a fitted :class:`~cvirisk.survival.fitters.CoxPH`;
    ``summary`` stacks their summaries under a ``cause`` level. ``predict_cumulative_incidence``
    combines the cause-specific hazards into the absolute risk of one cause (Breslow
    baselines; no strata).
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0):
        self.alpha = alpha
        self.penalizer = penalizer

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, entry_col: str | None = None,
            covariates: Sequence[str] | None = None):
        cause = np.asarray(df[cause_col]).astype(np.int64)
        if covariates is None:
            covariates = [c for c in df.columns if c not in (duration_col, cause_col, entry_col)]
        cols = [duration_col] + ([entry_col] if entry_col else []) + list(covariates)
        self.fitters_ = {}
        for k in sorted(set(cause[cause > 0].tolist())):
            part = df[cols].assign(_event=(cause == k).astype(np.int64))
            self.fitters_[k] = CoxPH(self.alpha, self.penalizer).fit(part, duration_col, "_event", entry_col=entry_col)
        if not self.fitters_:
            raise InputError(f"column {cause_col!r}: no events of any cause")
        self.covariates_ = list(covariates)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        if not hasattr(self, "fitters_"):
            raise NotFittedError("CauseSpecificCox is not fitted yet; call fit first")
        return pd.concat({k: f.summary for k, f in self.fitters_.items()}, names=["cause"])

    def predict_cumulative_incidence(self, df: pd.DataFrame, times: Sequence[float], cause: int = 1) -> np.ndarray:
        """Absolute risk of ``cause`` by each of ``times``: array (len(times), len(df))."""
        if not hasattr(self, "fitters_"):
            raise NotFittedError("CauseSpecificCox is not fitted yet; call fit first")
        grid = np.unique(np.concatenate([f.baseline_cumulative_hazard_.index.to_numpy(float)
                                         for f in self.fitters_.values()]))
        x = df[self.covariates_]
        cum = {}
        for k, f in self.fitters_.items():
            h0 = f.baseline_cumulative_hazard_.iloc[:, 0]
            idx = np.searchsorted(h0.index.to_numpy(float), grid, side="right") - 1
            h0g = np.where(idx >= 0, h0.to_numpy()[np.clip(idx, 0, None)], 0.0)
            cum[k] = np.outer(h0g, f.predict_partial_hazard(x).to_numpy())
        total = sum(cum.values())
        surv_lag = np.exp(-np.vstack([np.zeros((1, len(df))), total[:-1]]))
        dh = np.diff(np.vstack([np.zeros((1, len(df))), cum[cause]]), axis=0)
        cif = np.cumsum(surv_lag * dh, axis=0)
        pos = np.searchsorted(grid, np.asarray(times, float), side="right") - 1
        return np.where(pos[:, None] >= 0, cif[np.clip(pos, 0, None)], 0.0)


def finegray_table(time: np.ndarray, cause: np.ndarray, event_of_interest: int = 1) -> pd.DataFrame:
    """The censoring-weighted counting-process data set of the Fine-Gray model.

    Returns one or more rows per person: ``row`` (position in the input), ``start``,
    ``stop``, ``event`` (1 for an event of interest at ``stop``) and ``weight``. A person
    with an event of interest or censored has one row ``(origin, t]`` with weight 1 (the
    origin is one time unit before the earliest time, so events at time 0 count). A person
    with a competing event at ``T`` stays in the risk set after ``T``: rows ``(T, c_1],
    (c_1, c_2], ...`` cut at the later censoring times ``c_m`` (up to the last event of
    interest), weighted ``G(s-) / G(T-)`` for ``s`` in the row, ``G`` the Kaplan-Meier
    estimate of the censoring distribution (Fine & Gray, JASA 1999;94:496-509; the
    data-set form of Geskus, Biometrics 2011;67:39-49, as R's ``survival::finegray``).
    """
    from cvirisk.survival.metrics import censoring_survival

    t = np.asarray(time, float)
    c = np.asarray(cause).astype(np.int64)
    g_at, g_before = censoring_survival(t, c)
    target = t[c == event_of_interest]
    last = float(target.max()) if len(target) else -np.inf
    cens = np.unique(t[c == 0])
    origin = min(0.0, float(t.min())) - 1.0  # before every time: an event at time 0 stays in its risk set
    base = pd.DataFrame({"row": np.arange(len(t)), "start": origin, "stop": t,
                         "event": (c == event_of_interest).astype(np.int64), "weight": 1.0})
    parts = [base]
    comp = np.flatnonzero((c > 0) & (c != event_of_interest) & (t < last))
    if len(comp):
        rows, starts, stops, weights = [], [], [], []
        for i in comp:
            cuts = cens[(cens > t[i]) & (cens < last)]
            edges = np.concatenate([[t[i]], cuts, [last]])
            g0 = float(g_before(t[i]))
            w = g_at(edges[:-1]) / g0  # G(s-) on (edge_m, edge_m+1] is G(edge_m)
            keep = w > 0
            rows.append(np.full(int(keep.sum()), i))
            starts.append(edges[:-1][keep])
            stops.append(edges[1:][keep])
            weights.append(w[keep])
        parts.append(pd.DataFrame({"row": np.concatenate(rows), "start": np.concatenate(starts),
                                   "stop": np.concatenate(stops), "event": 0,
                                   "weight": np.concatenate(weights)}))
    return pd.concat(parts, ignore_index=True)


def _fine_gray_influence(t, cause, x, beta, k, tk, d, s0, mean1, g_before) -> np.ndarray:
    """Each person's influence on the Fine-Gray score, ``eta_i + psi_i`` (Fine & Gray 1999, section 4).

    ``eta_i`` is the person's weighted martingale residual term, ``sum_k (x_i - xbar_k) w_i(t_k)
    (dN_i(t_k) - e_i dL_k)``; ``psi_i`` carries the estimation of the censoring distribution,
    ``sum_u q(u) / Y(u) dM^c_i(u)`` over censoring times ``u``, where ``q(u)`` collects the terms
    of persons with a competing event before ``u`` at event times ``t_k >= u`` and ``Y(u)`` is
    the number with time ``>= u``. Everything is cumulative sums over the ordered event and
    censoring times, so the cost is ``O((n + K) p)`` after sorting. Centring ``x`` leaves the
    result unchanged.
    """
    n, p = x.shape
    e = np.exp(x @ beta)
    dl = d / s0  # Breslow increments of the subdistribution hazard
    g_k = g_before(tk)
    comp = (cause > 0) & (cause != k)
    g_i = np.where(comp, g_before(t), 1.0)

    def upto(v, at):  # sum of v over event times t_k <= at
        c = np.concatenate([np.zeros((1,) + v.shape[1:]), np.cumsum(v, axis=0)], axis=0)
        return c[np.searchsorted(tk, at, side="right")]

    def beyond(v, at, strict):  # sum of v over event times t_k > at (strict) or >= at
        c = np.concatenate([np.cumsum(v[::-1], axis=0)[::-1], np.zeros((1,) + v.shape[1:])], axis=0)
        return c[np.searchsorted(tk, at, side="right" if strict else "left")]

    # eta: the event term, minus the compensator while at risk with weight 1 (t_k <= T_i) and,
    # for a competing event, with weight G(t_k-) / G(T_i-) afterwards
    eta = np.zeros((n, p))
    ev = cause == k
    eta[ev] = x[ev] - mean1[np.searchsorted(tk, t[ev])]
    eta -= e[:, None] * (x * upto(dl, t)[:, None] - upto(mean1 * dl[:, None], t))
    gdl = g_k * dl
    after = e[comp] / g_i[comp]
    eta[comp] -= after[:, None] * (x[comp] * beyond(gdl, t[comp], True)[:, None]
                                   - beyond(mean1 * gdl[:, None], t[comp], True))
    # psi: the censoring martingale weighted by q(u) / Y(u)
    cens_times = np.unique(t[cause == 0])
    if len(cens_times) == 0:
        return eta
    order = np.argsort(t[comp], kind="stable")
    tc, wc = t[comp][order], (e[comp] / g_i[comp])[order]
    n_before = np.searchsorted(tc, cens_times, side="left")  # competing persons with T_j < u
    c0 = np.concatenate([[0.0], np.cumsum(wc)])[n_before]
    c1 = np.concatenate([np.zeros((1, p)), np.cumsum(x[comp][order] * wc[:, None], axis=0)])[n_before]
    q = c1 * beyond(gdl, cens_times, False)[:, None] - c0[:, None] * beyond(mean1 * gdl[:, None], cens_times, False)
    t_sorted = np.sort(t)
    at_risk = n - np.searchsorted(t_sorted, cens_times, side="left")
    n_cens = np.bincount(np.searchsorted(cens_times, t[cause == 0]), minlength=len(cens_times))
    rate = q / at_risk[:, None]  # q(u) / Y(u)
    jump = np.concatenate([np.zeros((1, p)), np.cumsum(rate * (n_cens / at_risk)[:, None], axis=0)])
    psi = -jump[np.searchsorted(cens_times, t, side="right")]
    own = cause == 0
    psi[own] += rate[np.searchsorted(cens_times, t[own])]
    return eta + psi


class FineGray:
    """Fine-Gray proportional subdistribution hazards model for one cause.

    Maximises Fine & Gray's weighted partial likelihood (JASA 1999;94:496-509) with Breslow
    ties, as R's ``cmprsk::crr`` does: at an event time ``t`` of the cause, persons with a
    competing event at ``T < t`` stay in the risk set with weight ``G(t-) / G(T-)``, ``G``
    the Kaplan-Meier estimate of censoring. Written here, not wrapped: lifelines has no
    Fine-Gray model, and its weighted Cox fit on the expanded data set of
    :func:`finegray_table` (R's ``finegray`` + ``coxph`` route) needs a row per person and
    later censoring time -- 569,146 rows for the 4,000 simulated persons of the calibration test -- while the
    weighted risk sets here are two cumulative sums (``O(n log n)`` per Newton step).
    The tests check it against that lifelines route, a direct evaluation of the estimating
    equation, and the coefficients and standard errors cmprsk printed for its own test data
    (``tests/survival/test_survival_cmprsk_printout.py``). No delayed entry of persons.

    ``variance="robust"`` (the default, as ``crr``) is Fine & Gray's sandwich estimator
    (their section 4): the score's influence of each person is the weighted martingale term
    plus a term for the estimated censoring distribution. ``variance="model"`` gives the
    inverse information, which ignores that ``G`` was estimated.

    Attributes (after ``fit``): ``params_``, ``hazard_ratios_`` (subdistribution),
    ``standard_errors_``, ``variance_matrix_``, ``summary``, ``log_likelihood_``,
    ``baseline_cumulative_hazard_`` (at zero covariates), ``event_of_interest_``,
    ``covariates_``, ``n_``, ``events_``, ``n_iter_``, ``model_variance_matrix_`` (inverse
    information, whichever ``variance`` is chosen).
    """

    def __init__(self, alpha: float = 0.05, penalizer: float = 0.0, max_iter: int = 100, tol: float = 1e-9,
                 variance: str = "robust"):
        if variance not in ("robust", "model"):
            raise ValueError(f"variance must be 'robust' or 'model', not {variance!r}")
        self.variance = variance
        self.alpha = alpha
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, df: pd.DataFrame, duration_col: str, cause_col: str, event_of_interest: int = 1,
            covariates: Sequence[str] | None = None):
        import warnings

        from cvirisk.exceptions import ConvergenceWarning
        from cvirisk.survival._summary import summary_table
        from cvirisk.survival.metrics import censoring_survival

        if covariates is None:
            covariates = [c for c in df.columns if c not in (duration_col, cause_col)]
        covariates = list(covariates)
        t = np.asarray(df[duration_col], float)
        cause = np.asarray(df[cause_col]).astype(np.int64)
        if not (cause == event_of_interest).any():
            raise InputError(f"event of interest {event_of_interest}: no row of column {cause_col!r} has that cause")
        x_raw = df[covariates].to_numpy(float)
        mean = x_raw.mean(axis=0)
        x = x_raw - mean
        _, g_before = censoring_survival(t, cause)
        tk = np.unique(t[cause == event_of_interest])
        d = np.bincount(np.searchsorted(tk, t[cause == event_of_interest]), minlength=len(tk)).astype(float)
        x_events = np.zeros((len(tk), x.shape[1]))
        np.add.at(x_events, np.searchsorted(tk, t[cause == event_of_interest]), x[cause == event_of_interest])
        order = np.argsort(t, kind="stable")
        t_sorted = t[order]
        first_at_or_after = np.searchsorted(t_sorted, tk, side="left")  # A: rows with T >= t_j
        comp = (cause > 0) & (cause != event_of_interest)
        comp_idx = np.flatnonzero(comp)
        comp_idx = comp_idx[np.argsort(t[comp_idx], kind="stable")]
        n_comp_before = np.searchsorted(t[comp_idx], tk, side="left")  # B: competing with T < t_j
        g_t = g_before(tk)
        inv_g = 1.0 / g_before(t[comp_idx])
        p = x.shape[1]

        def sums(beta):
            e = np.exp(x @ beta)
            # A: reverse cumulative sums over rows sorted by time
            def rev(v):
                c = np.cumsum(v[::-1], axis=0)[::-1]
                return np.concatenate([c, np.zeros((1,) + c.shape[1:])], axis=0)[first_at_or_after]

            def fwd(v):
                c = np.concatenate([np.zeros((1,) + v.shape[1:]), np.cumsum(v, axis=0)], axis=0)
                return c[n_comp_before]

            xs, es = x[order], e[order]
            xc, ec = x[comp_idx], e[comp_idx] * inv_g
            s0 = rev(es) + g_t * fwd(ec)
            s1 = rev(xs * es[:, None]) + g_t[:, None] * fwd(xc * ec[:, None])
            s2 = (rev(xs[:, :, None] * xs[:, None, :] * es[:, None, None])
                  + g_t[:, None, None] * fwd(xc[:, :, None] * xc[:, None, :] * ec[:, None, None]))
            return s0, s1, s2

        def loglik(beta):
            s0, _, _ = sums(beta)
            return float((x_events @ beta).sum() - (d * np.log(s0)).sum() - 0.5 * self.penalizer * beta @ beta)

        beta = np.zeros(p)
        ll = loglik(beta)
        converged = False
        n_iter = 0
        for it in range(1, self.max_iter + 1):
            n_iter = it
            s0, s1, s2 = sums(beta)
            mean1 = s1 / s0[:, None]
            score = x_events.sum(axis=0) - (d[:, None] * mean1).sum(axis=0) - self.penalizer * beta
            info = (d[:, None, None] * (s2 / s0[:, None, None] - mean1[:, :, None] * mean1[:, None, :])).sum(axis=0)
            info += self.penalizer * np.eye(p)
            try:
                step = np.linalg.solve(info, score)
            except np.linalg.LinAlgError:
                raise InputError("Fine-Gray: the information matrix is singular (a covariate is constant "
                                 "or collinear)") from None
            scale = 1.0
            while True:  # step halving keeps every step uphill
                new = beta + scale * step
                ll_new = loglik(new)
                if ll_new >= ll - 1e-12 or scale < 1e-8:
                    break
                scale /= 2
            beta, ll = new, ll_new
            if np.max(np.abs(scale * step)) < self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(f"Fine-Gray fit did not converge in {self.max_iter} iterations", ConvergenceWarning,
                          stacklevel=2)
        s0, s1, s2 = sums(beta)
        mean1 = s1 / s0[:, None]
        info = (d[:, None, None] * (s2 / s0[:, None, None] - mean1[:, :, None] * mean1[:, None, :])).sum(axis=0)
        model_cov = np.linalg.inv(info + self.penalizer * np.eye(p))
        cov = model_cov
        if self.variance == "robust":
            infl = _fine_gray_influence(t, cause, x, beta, event_of_interest, tk, d, s0, mean1, g_before)
            cov = model_cov @ (infl.T @ infl) @ model_cov
        idx = pd.Index(covariates, name="covariate")
        self.model_variance_matrix_ = pd.DataFrame(model_cov, index=idx, columns=idx)
        self.params_ = pd.Series(beta, index=idx, name="coef")
        self.variance_matrix_ = pd.DataFrame(cov, index=idx, columns=idx)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=idx, name="se(coef)")
        self.summary_ = summary_table(self.params_, self.standard_errors_, self.alpha)
        self.hazard_ratios_ = np.exp(self.params_).rename("exp(coef)")
        self.log_likelihood_ = ll
        # Breslow baseline of the subdistribution hazard, moved from the means to zero covariates
        h0 = np.cumsum(d / s0) * float(np.exp(-(mean @ beta)))
        self.baseline_cumulative_hazard_ = pd.Series(h0, index=pd.Index(tk, name="timeline"),
                                                     name="baseline cumulative subdistribution hazard")
        self.event_of_interest_ = event_of_interest
        self.covariates_ = covariates
        self.n_, self.events_, self.n_iter_ = int(len(df)), int(d.sum()), n_iter
        return self

    def _check(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("FineGray is not fitted yet; call fit first")

    @property
    def summary(self) -> pd.DataFrame:
        """lifelines' summary columns; ``exp(coef)`` is the subdistribution hazard ratio."""
        self._check()
        return self.summary_

    def predict_cumulative_incidence(self, df: pd.DataFrame, times: Sequence[float] | float) -> np.ndarray:
        """Cumulative incidence of the cause by each of ``times``: array (len(times), len(df))."""
        self._check()
        h0 = self.baseline_cumulative_hazard_
        pos = np.searchsorted(h0.index.to_numpy(float), np.atleast_1d(np.asarray(times, float)), side="right") - 1
        h = np.where(pos >= 0, h0.to_numpy()[np.clip(pos, 0, None)], 0.0)
        rel = np.exp(df[self.covariates_].to_numpy(float) @ self.params_.to_numpy())
        return 1.0 - np.exp(-np.outer(h, rel))

    def predict_risk(self, df: pd.DataFrame, horizon: float) -> np.ndarray:
        """Cumulative incidence by ``horizon``, one value a row."""
        return self.predict_cumulative_incidence(df, [horizon])[0]

    def plot_hazard_ratios(self, title: str | None = None):
        from cvirisk.survival.plots import forest_figure

        return forest_figure(self.summary, title=title, xtitle="subdistribution hazard ratio")

    def __repr__(self) -> str:
        return f"<FineGray ({'fitted' if hasattr(self, 'params_') else 'not fitted'})>"
