"""Calibration: targets, study designs, distance, search, and the report of observed against target.

Examples
--------
>>> from cvirisk.calibration import load_targets, target_distance
>>> t = load_targets()
>>> target_distance(t.loc["evs_vv_incidence_13y", "value"], 18.2, 15.2, 21.6)
0.0
"""

from cvirisk.calibration.designs import (
    DESIGNS,
    PLANS,
    Simulated,
    SimulationPlan,
    StudyDesign,
    run_plan,
)
from cvirisk.calibration.distance import evaluate, target_distance, total_distance, within
from cvirisk.calibration.estimators import Estimate
from cvirisk.calibration.report import report_figure, report_table, write_report
from cvirisk.calibration.run import calibrate_and_report, evaluate_report
from cvirisk.calibration.search import (
    BLOCKS,
    CalibrationResult,
    FreeParameter,
    calibrate,
    free_parameters,
)
from cvirisk.calibration.targets import load_targets, target_scale, targets_path

__all__ = [
    "BLOCKS",
    "DESIGNS",
    "PLANS",
    "CalibrationResult",
    "Estimate",
    "FreeParameter",
    "Simulated",
    "SimulationPlan",
    "StudyDesign",
    "calibrate",
    "calibrate_and_report",
    "evaluate",
    "evaluate_report",
    "free_parameters",
    "load_targets",
    "report_figure",
    "report_table",
    "run_plan",
    "target_distance",
    "target_scale",
    "targets_path",
    "total_distance",
    "within",
    "write_report",
]
