"""Old import path of :mod:`cvirisk.outcomes.log` (the one reader of the event log's rows)."""

from cvirisk.outcomes.log import *  # noqa: F403
from cvirisk.outcomes.log import __all__  # noqa: F401
