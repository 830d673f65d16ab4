"""Calibration page: the shipped posterior's predictive checks, prior-to-posterior contraction and
provenance. Layout only: the numbers come from ``cvirisk.calibration.bayes`` and ``diagnostics``."""

from __future__ import annotations

import streamlit as st

from cvirisk.calibration.bayes import load_posterior
from cvirisk.calibration.diagnostics import contraction, load_ppc, ppc_figure, target_figure


@st.cache_data(show_spinner=False)
def _shipped():
    post = load_posterior()
    summary, draws = load_ppc()
    return post, summary, draws, contraction(post)


def render(settings=None) -> None:
    st.header("Calibration: posterior predictive checks")
    post, summary, draws, con = _shipped()
    prov = post.provenance
    fit = summary[summary["fitted"]]
    st.markdown(
        "The natural history's free parameters were calibrated by ABC-SMC (pyabc); the shipped posterior holds "
        f"**{len(post.draws)} draws** of **{len(post.keys)} parameters**. Each target below was simulated again "
        "under its study's design for posterior draws; the bar is the 95% posterior predictive interval "
        "(simulation plus the study's own sampling error), the diamond the published value."
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("Fitted targets covered", f"{int(fit['covered'].sum())} of {len(fit)}")
    c2.metric("All simulated targets covered", f"{int(summary['covered'].sum())} of {len(summary)}")
    c3.metric("ABC generations", str(prov.get("generations", "?")))
    st.plotly_chart(ppc_figure(summary, draws), key="ppc", use_container_width=True)
    target = st.selectbox("One target", list(summary["target_id"]), key="ppc_target")
    st.plotly_chart(target_figure(summary, draws, target), key="ppc_one", use_container_width=True)
    st.subheader("Prior to posterior")
    st.dataframe(con, key="contraction", hide_index=True)
    st.caption(
        f"Command: `{prov.get('command', '?')}` - seed {prov.get('seed')}, targets hash {prov.get('targets_hash')}, "
        f"model hash {prov.get('model_hash')}, pyabc {prov.get('versions', {}).get('pyabc')}."
    )
