"""Exceptions raised by coilsim.

Every error a user can trigger is a :class:`CoilsimError`; the concrete classes also derive
from the matching built-in (``ValueError``, ``TypeError``) so ordinary ``except`` clauses work.
Messages name the offending argument (or file and key) and say how to fix it.
"""

from __future__ import annotations


class CoilsimError(Exception):
    """Base class of every coilsim exception."""


class CoilsimValueError(CoilsimError, ValueError):
    """An argument has the right type but an impossible or unsupported value."""


class CoilsimTypeError(CoilsimError, TypeError):
    """An argument has the wrong type or array shape."""


class CoilFileError(CoilsimValueError):
    """A coil or data file (TOML) is malformed: unknown key, missing key or impossible value."""


class ConvergenceError(CoilsimError, RuntimeError):
    """An iterative method did not reach its tolerance; the message carries the residual."""


__all__ = [
    "CoilsimError",
    "CoilsimValueError",
    "CoilsimTypeError",
    "CoilFileError",
    "ConvergenceError",
]
