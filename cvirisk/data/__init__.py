"""Public datasets shipped with cvirisk (see ``README.md`` in this folder for sources).

Examples
--------
>>> df = load_rossi()
>>> df.shape
(432, 9)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["DATASETS", "dataset_path", "load_rossi"]

#: Shipped datasets: name -> (file, citation).
DATASETS: dict[str, tuple[str, str]] = {
    "rossi": (
        "rossi.csv",
        "Rossi PH, Berk RA, Lenihan KJ (1980). Money, Work, and Crime: Some Experimental Results. "
        "Academic Press; as distributed with lifelines 0.30.3.",
    ),
}


def dataset_path(name: str) -> Path:
    """Path of a shipped dataset file (``importlib.resources``)."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; shipped: {', '.join(DATASETS)}")
    return Path(str(resources.files(__package__).joinpath(DATASETS[name][0])))


def load_rossi() -> pd.DataFrame:
    """The Rossi recidivism data: 432 released prisoners followed for 52 weeks.

    Columns: ``week`` (week of first arrest or 52), ``arrest`` (1 arrested), ``fin``
    (financial aid), ``age``, ``race``, ``wexp`` (work experience), ``mar`` (married),
    ``paro`` (released on parole), ``prio`` (prior convictions).
    """
    return pd.read_csv(dataset_path("rossi"))
