"""The cvirisk dashboard (Streamlit): ``cvirisk dashboard`` serves this script.

Layout only: every number comes from the public ``cvirisk`` API through the cached helpers
in ``views/common.py``. Pages: Scenarios, Progression, Fit your data, Teaching, Calibration; a page can be
opened directly with ``?page=teaching`` (or scenarios, progression, fit).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402
from views import calibration, common, fit, progression, scenarios, teaching  # noqa: E402

PAGES = {
    "Scenarios": scenarios.render,
    "Progression": progression.render,
    "Fit your data": fit.render,
    "Teaching": teaching.render,
    "Calibration": calibration.render,
}
SLUGS = {"scenarios": "Scenarios", "progression": "Progression", "fit": "Fit your data", "teaching": "Teaching", "calibration": "Calibration"}

st.set_page_config(page_title="cvirisk", page_icon="🦵", layout="wide")

if "page" not in st.session_state:
    st.session_state["page"] = SLUGS.get(str(st.query_params.get("page", "")).lower(), "Scenarios")

with st.sidebar:
    st.title("cvirisk")
    st.caption("Chronic venous insufficiency: simulation, scenarios, survival models, teaching.")
    page = st.radio("Page", list(PAGES), key="page")
st.query_params["page"] = next(slug for slug, name in SLUGS.items() if name == page)  # a shareable address
settings = common.sidebar_settings()
PAGES[page](settings)
