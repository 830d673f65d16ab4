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

__all__ = [
    "DATASETS",
    "dataset_path",
    "cmprsk_printout",
    "load_bmt",
    "load_cmprsk_example",
    "load_rossi",
    "load_veteran",
]

#: Shipped datasets: name -> (file, citation).
DATASETS: dict[str, tuple[str, str]] = {
    "rossi": (
        "rossi.csv",
        "Rossi PH, Berk RA, Lenihan KJ (1980). Money, Work, and Crime: Some Experimental Results. "
        "Academic Press; as distributed with lifelines 0.30.3.",
    ),
    "bmt": (
        "bmt.csv",
        "Scrucca L, Santucci A, Aversa F (2007). Competing risk analysis using R: an easy guide for "
        "clinicians. Bone Marrow Transplant 40:381-7; as distributed with scikit-survival 0.28.0.",
    ),
    "cmprsk_example": (
        "cmprsk_example.csv",
        "Gray RJ. cmprsk: Subdistribution Analysis of Competing Risks (R package), tests/test.R and "
        "tests/test.Rout.save (R 1.2.1, 2001): the script's set.seed(2) data, re-drawn by "
        "synthetic/make_cmprsk_example.py.",
    ),
    "veteran": (
        "veteran.csv",
        "Kalbfleisch JD, Prentice RL (2002). The Statistical Analysis of Failure Time Data, 2nd ed. "
        "Wiley (Veterans' Administration lung cancer trial); as distributed with scikit-survival 0.28.0.",
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


def load_bmt() -> pd.DataFrame:
    """35 patients after stem-cell transplant for acute leukaemia: competing relapse and death.

    Columns: ``dis`` (0 ALL, 1 AML), ``ftime`` (months), ``status`` (0 censored, 1
    transplant-related mortality, 2 relapse). Two events happen at ``ftime = 0``.
    """
    return pd.read_csv(dataset_path("bmt"))


def load_cmprsk_example() -> pd.DataFrame:
    """The 100 simulated rows of cmprsk's test script, whose results R printed in 2001.

    Columns: ``ss`` (times, standard exponential), ``cc`` (0 censored, 1 and 2 the two causes),
    ``gg`` (group a/b/c), ``strt`` (stratum 1/2), ``dd`` (other times, absolute normals),
    ``cv1``-``cv3`` (0/1 covariates; ``cv1`` is missing in rows 1, 10 and 20). The printed
    ``cuminc`` and ``crr`` results are quoted in ``cmprsk_printout.yaml`` (:func:`cmprsk_printout`).
    """
    df = pd.read_csv(dataset_path("cmprsk_example"), float_precision="round_trip")
    df["cv1"] = df["cv1"].astype("Float64")
    return df


def cmprsk_printout() -> dict:
    """The ``cuminc`` and ``crr`` results R printed for :func:`load_cmprsk_example` (``cmprsk_printout.yaml``)."""
    import yaml

    return yaml.safe_load(resources.files(__package__).joinpath("cmprsk_printout.yaml").read_text())


def load_veteran() -> pd.DataFrame:
    """137 men with advanced lung cancer in a trial of two chemotherapies.

    Columns: ``time`` (days), ``status`` (1 died), ``trt`` (standard/test), ``celltype``
    (squamous, smallcell, adeno, large), ``karno`` (Karnofsky score), ``diagtime`` (months
    from diagnosis), ``age`` (years), ``prior`` (prior therapy yes/no).
    """
    return pd.read_csv(dataset_path("veteran"))
