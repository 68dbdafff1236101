"""The result of a vectorized locate: one row per input point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class LocateBatch:
    """Codes per point ("" where the point is outside the city)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    grid_code: NDArray[np.str_]
    community_code: NDArray[np.str_]
    town_code: NDArray[np.str_]
    district_code: NDArray[np.str_]
    names: Callable[[str], str] = field(repr=False, default=lambda code: "")

    def __len__(self) -> int:
        return len(self.grid_code)

    @property
    def inside(self) -> NDArray[np.bool_]:
        return self.district_code != ""

    def row(self, i: int) -> dict[str, Any]:
        district, town, community = (str(self.district_code[i]), str(self.town_code[i]),
                                     str(self.community_code[i]))
        return {
            "grid_code": str(self.grid_code[i]),
            "community_code": community,
            "community_name": self.names(community),
            "town_code": town,
            "town_name": self.names(town),
            "district_code": district,
            "district_name": self.names(district),
            "lon": float(self.lon[i]),
            "lat": float(self.lat[i]),
        }
