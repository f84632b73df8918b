"""Exception tree of rato_opt.

Every error rato_opt raises on bad input derives from :class:`RatoOptError`, and
from :class:`ValueError` so that generic ``except ValueError`` handlers keep working.
Messages say what was given, what was expected and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "RatoOptError",
    "InputError",
    "UnitCodeError",
    "ColumnError",
    "GeometryError",
    "CRSError",
    "WeightError",
    "LayerError",
    "GraphError",
    "DisconnectedError",
    "ModelError",
    "InfeasibleError",
    "SolverError",
    "ScenarioError",
    "DataNotFoundError",
]


class RatoOptError(ValueError):
    """Base class of every error raised by rato_opt."""


class InputError(RatoOptError):
    """Input data do not meet the expectations of a function."""


class UnitCodeError(InputError):
    """Unit codes are missing, duplicated or unknown."""


class ColumnError(InputError):
    """A required column is missing, or has the wrong type."""


class GeometryError(InputError):
    """Geometries are missing, empty or invalid."""


class CRSError(InputError):
    """A coordinate reference system is missing or does not match."""


class WeightError(InputError):
    """A weight column is not numeric, or holds negative or missing values."""


class LayerError(InputError):
    """A collaboration layer is malformed or covers no unit."""


class GraphError(InputError):
    """The unit adjacency graph cannot be built as asked."""


class DisconnectedError(GraphError):
    """The unit graph has components that no link joins to the rest.

    Attributes
    ----------
    components : list of list of str
        Unit codes of every component except the largest.
    """

    def __init__(self, message: str, components: list[list[str]] | None = None):
        super().__init__(message)
        self.components = components or []


class ModelError(RatoOptError):
    """A region model is specified inconsistently."""


class InfeasibleError(ModelError):
    """A region model cannot have a feasible solution.

    Attributes
    ----------
    reasons : list of str
        Human-readable reasons, each naming units and bounds involved.
    """

    def __init__(self, message: str, reasons: list[str] | None = None):
        super().__init__(message)
        self.reasons = reasons or []


class SolverError(RatoOptError):
    """A solver is not available or failed to run."""


class ScenarioError(InputError):
    """A scenario file or object holds an invalid field."""


class DataNotFoundError(InputError, FileNotFoundError):
    """A data file or directory is missing."""
