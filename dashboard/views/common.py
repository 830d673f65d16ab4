"""Sidebar settings and cached calls into the public API, shared by every page.

The dashboard never builds a model: it loads parameters, generates a cohort and simulates it
through ``cvirisk``'s public functions, caching results on (parameter hash, seed, n, years,
engine, replication).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import cvirisk

#: Cohort sizes offered in the sidebar (the fast engine runs a few thousand persons in about a second).
N_OPTIONS = (500, 1000, 2000, 5000, 10000, 20000)
#: The reference engine (plain simpy, written to be read) runs a few hundred persons a second;
#: scenarios run it twice a replication, so its cohorts stop at 1,000.
REFERENCE_MAX_N = 1000
ENGINE_LABELS = {
    "fast": "fast (compiled; finite surgical capacity with a waiting list)",
    "reference": "reference (plain simpy implementation; slow, up to 1,000 persons)",
}


@dataclass(frozen=True)
class Settings:
    """What the sidebar chose: the random seed, cohort size, follow-up and engine."""

    seed: int
    n: int
    years: int
    engine: str


def sidebar_settings() -> Settings:
    """Draw the shared simulation settings in the sidebar; the seed is visible and editable."""
    st.sidebar.subheader("Simulation")
    seed = st.sidebar.number_input("Random seed", min_value=0, max_value=2**31 - 1, value=1, step=1, key="seed",
                                   help="The same seed gives the same cohort and the same histories.")
    engine = st.sidebar.radio("Engine", list(ENGINE_LABELS), format_func=ENGINE_LABELS.get, key="engine")
    options = [n for n in N_OPTIONS if engine == "fast" or n <= REFERENCE_MAX_N]
    if st.session_state.get("n") not in options:
        st.session_state["n"] = 2000 if 2000 in options else options[-1]
    n = st.sidebar.select_slider("Persons in the cohort", options=options, key="n")
    years = st.sidebar.slider("Years of follow-up", min_value=1, max_value=40, value=20, key="years")
    return Settings(seed=int(seed), n=int(n), years=int(years), engine=str(engine))


@st.cache_resource(show_spinner=False)
def default_params():
    """The shipped parameters (loaded once per server)."""
    return cvirisk.load_params()


def params_with(overrides: dict):
    """Shipped parameters with dotted overrides; raises ParameterError (an InputError) if the schema rejects them."""
    base = default_params()
    return cvirisk.with_overrides(base, overrides, origin="dashboard controls") if overrides else base


def surgery_mode(engine: str) -> str | None:
    """Both engines model the waiting list of rationed surgery (no approximation)."""
    return None


def library():
    """Names of the shipped intervention scenarios, or [] while ``cvirisk.scenarios`` is not installed."""
    try:
        from cvirisk.scenarios import library_names
    except ImportError:  # pragma: no cover - the scenarios package ships with cvirisk
        return []
    return library_names()


@st.cache_data(show_spinner=False, max_entries=64)
def simulated(params_hash: str, seed: int, n: int, years: int, engine: str, replication: int = 0, *,
              _params=None):
    """Cohort and simulation for one (params, seed, n, years, engine, replication); cached on the hash.

    ``_params`` is not hashed: ``params_hash`` stands for it. Scenarios are not simulated here:
    the Scenarios page runs them through :func:`cvirisk.scenarios.compare`. A progress bar
    created here is replayed (and emptied) on a cache hit, so long runs show progress and hits
    show nothing.
    """
    params = default_params() if _params is None else _params
    from cvirisk.sim.compiled import engine_ready, prepare_engine

    if engine == "fast" and not engine_ready():  # once a server process: say so rather than hang
        with st.spinner("Compiling the simulation engine (first run only; later runs load it from the cache)"):
            prepare_engine()
    bar = st.progress(0.0, text=f"Simulating {n:,} persons ({engine} engine)")

    def report(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"Simulating {n:,} persons: {done:,} of {total:,}")

    cohort = cvirisk.generate_cohort(n, seed=seed, params=params)
    result = cvirisk.simulate(cohort, params=params, seed=seed, years=years, engine=engine,
                              replication=replication, progress=report,
                              surgery_approximation=surgery_mode(engine))
    bar.empty()
    return result


def baseline_result(settings: Settings):
    """The default-parameter simulation at the sidebar's settings."""
    params = default_params()
    return simulated(cvirisk.params_hash(params), settings.seed, settings.n, settings.years, settings.engine,
                     _params=params)


def show_error(exc: Exception) -> None:
    """Show a user-facing error as one line, as the command line would."""
    from cvirisk.exceptions import one_line

    st.error(one_line(str(exc)), icon="⚠️")
