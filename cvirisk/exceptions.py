"""Exceptions raised by cvirisk.

Every error caused by bad *input* (a parameter file, a cohort file, a command-line
argument) derives from :class:`InputError`. The command line turns an ``InputError``
into exit status 2 and one line of text, so the message itself must name the file,
the key or column, the rows where relevant, and the reason.
"""

from __future__ import annotations


class CviriskError(Exception):
    """Base class of every error raised by cvirisk."""


class InputError(CviriskError, ValueError):
    """Bad input supplied by the user; reported as one line, exit status 2."""


class ParameterError(InputError):
    """A parameter file or override is malformed or violates a model constraint."""


class CohortError(InputError):
    """A cohort (generated or loaded from a file) breaks the cohort contract."""


class ScenarioError(InputError):
    """A scenario or intervention file is malformed."""


class UnsupportedError(CviriskError):
    """The requested combination is not supported (e.g. the fast engine with finite capacity)."""


class NotFittedError(CviriskError, AttributeError):
    """A fitter was asked for results before ``fit`` was called."""


class ConvergenceWarning(UserWarning):
    """A fitter did not converge cleanly."""


def one_line(message: str) -> str:
    """Collapse a message to a single line (the CLI prints exactly one)."""
    return " ".join(str(message).split())
