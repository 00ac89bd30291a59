"""Conductor cross-sections: round wire, rectangular strip, litz bundle.

A cross-section changes only two things (DESIGN.md): the field at points *inside* the conductor
(uniform current over an equivalent round section) and the self-inductance (through the
geometric mean distance, GMD, of the section to itself). All lengths in metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._validate import positive_int, real_scalar
from ..errors import CoilsimTypeError, CoilsimValueError

#: fill factor of a litz bundle (copper area / bundle area), an assumption typical of
#: machine-made round litz (0.5–0.65; New England Wire technical data)
LITZ_FILL_FACTOR = 0.6


@dataclass(frozen=True)
class Conductor:
    """Cross-section of the wire that carries one turn.

    ``kind`` is ``"round"`` (``radius``), ``"rect"`` (``width`` in the winding plane, ``height``
    perpendicular to it) or ``"litz"`` (``strands`` round strands of ``radius``).
    """

    kind: str
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    strands: int = 1

    def __post_init__(self):
        if self.kind == "round":
            real_scalar(self.radius, "conductor radius", positive=True)
        elif self.kind == "rect":
            real_scalar(self.width, "conductor width", positive=True)
            real_scalar(self.height, "conductor height", positive=True)
        elif self.kind == "litz":
            real_scalar(self.radius, "litz strand radius", positive=True)
            positive_int(self.strands, "litz strands")
        else:
            raise CoilsimValueError(
                f"conductor kind must be 'round', 'rect' or 'litz'; got {self.kind!r}")

    @classmethod
    def parse(cls, spec) -> "Conductor":
        """Build from a Conductor or a tuple ``("round", r)``, ``("rect", w, h)``,
        ``("litz", strands, strand_radius)``."""
        if isinstance(spec, Conductor):
            return spec
        if not isinstance(spec, (tuple, list)) or not spec or not isinstance(spec[0], str):
            raise CoilsimTypeError(
                "conductor must be ('round', radius), ('rect', width, height) or "
                f"('litz', strands, strand_radius) in metres; got {spec!r}")
        kind, *vals = spec
        n = {"round": 1, "rect": 2, "litz": 2}.get(kind)
        if n is None:
            raise CoilsimValueError(f"conductor kind must be 'round', 'rect' or 'litz'; got {kind!r}")
        if len(vals) != n:
            raise CoilsimValueError(f"conductor ({kind!r}, ...) takes {n} number(s); got {len(vals)}")
        if kind == "round":
            return cls("round", radius=real_scalar(vals[0], "conductor radius", positive=True))
        if kind == "rect":
            return cls("rect", width=real_scalar(vals[0], "conductor width", positive=True),
                       height=real_scalar(vals[1], "conductor height", positive=True))
        return cls("litz", strands=positive_int(vals[0], "litz strands"),
                   radius=real_scalar(vals[1], "litz strand radius", positive=True))

    @property
    def area(self) -> float:
        """Copper cross-section, m²."""
        if self.kind == "round":
            return math.pi * self.radius**2
        if self.kind == "rect":
            return self.width * self.height
        return self.strands * math.pi * self.radius**2

    @property
    def equivalent_radius(self) -> float:
        """Radius of the round section used for points inside the conductor, m.

        Round: the wire radius. Rect: the radius of equal area. Litz: the bundle radius at
        :data:`LITZ_FILL_FACTOR`.
        """
        if self.kind == "round":
            return self.radius
        if self.kind == "rect":
            return math.sqrt(self.width * self.height / math.pi)
        return self.radius * math.sqrt(self.strands / LITZ_FILL_FACTOR)

    @property
    def gmd(self) -> float:
        """Geometric mean distance of the section to itself, m (low-frequency, uniform current).

        Round wire (and litz bundle, treated as a uniform round section): r·e^(-1/4).
        Rectangle: 0.2235·(w + h) (Grover, *Inductance Calculations*, 1946, within 0.5 %).
        """
        if self.kind == "rect":
            return 0.2235 * (self.width + self.height)
        return self.equivalent_radius * math.exp(-0.25)

    @property
    def cross_turn_spread(self) -> float:
        """Regularisation g (m) for the coupling of two distinct turns side by side in the
        winding plane: g² = (h² - w²)/6 for a rectangle taller than wide (the second-moment
        term of their mutual GMD), 0 for round sections (mutual GMD = centre distance)."""
        if self.kind == "rect":
            return math.sqrt(max(0.0, (self.height**2 - self.width**2) / 6.0))
        return 0.0

    def bundle(self, turns: int) -> "Conductor":
        """The cross-section of ``turns`` coincident turns of this conductor wound as one
        round bundle (hexagonal packing, fill 0.9069), used for its GMD and inside field."""
        turns = positive_int(turns, "turns")
        if turns == 1:
            return self
        r_b = self.equivalent_radius * math.sqrt(turns / 0.9069)
        return Conductor("round", radius=r_b)

    def to_tuple(self) -> tuple:
        if self.kind == "round":
            return ("round", self.radius)
        if self.kind == "rect":
            return ("rect", self.width, self.height)
        return ("litz", self.strands, self.radius)
