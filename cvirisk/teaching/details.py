"""Old import path of :mod:`cvirisk.outcomes.details` (the log's details read into columns)."""

from cvirisk.outcomes.details import *  # noqa: F403
from cvirisk.outcomes.details import __all__  # noqa: F401
