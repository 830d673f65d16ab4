"""Old import path of :mod:`cvirisk.outcomes.replay` (replay of the log through the declared model)."""

from cvirisk.outcomes.replay import *  # noqa: F403
from cvirisk.outcomes.replay import __all__  # noqa: F401
