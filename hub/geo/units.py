"""Administrative units (district, town, community) loaded from ``admin.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Units:
    districts: list[dict[str, Any]]
    towns: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    old_town_names: dict[str, str]
    names: dict[str, str]  # any code → official name

    @classmethod
    def load(cls, path: Path) -> Units:
        doc = json.loads(path.read_text(encoding="utf-8"))
        names = {doc["city"]["code"]: doc["city"]["name"]}
        for key in ("districts", "towns", "communities"):
            names.update({u["code"]: u["name"] for u in doc[key]})
        return cls(doc["districts"], doc["towns"], doc["communities"], doc["old_town_names"], names)

    def community_codes(self) -> NDArray[np.str_]:
        return np.array([c["code"] for c in self.communities], dtype="<U12")

    def community_town_index(self) -> NDArray[np.int32]:
        index = {t["code"]: i for i, t in enumerate(self.towns)}
        return np.array([index[c["town_code"]] for c in self.communities], dtype=np.int32)
