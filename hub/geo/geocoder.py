"""Geocoding: messy address text → one standard address, or an honest "no match".

The text is normalized, split at the house number, and the road or village name is found
as the longest known suffix of what precedes the number (or, failing that, a name one
character away). Everything before that name must read as administrative units
(district, town, community — current, short or old names); anything else, an ambiguous
name, or a house number the library lacks gives no match: a wrong match is worse than none.

A sub-number (之一 of a house, written 19-1号, 19之1号 or 19号之一) resolves to its base
number, with a note and a lower confidence: the library holds no sub-numbers, and the base
house is where the crew goes. A road name one character away from a known one is accepted only
inside the district or town the text names; with no place named the answer is no match, the
candidate given as a `suggestion`: a wrong town sends a crew to the wrong town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.geo.admin_tokens import AdminHints, AdminTokens
from hub.geo.library import AddressLibrary
from hub.geo.normalize import normalize

_NUMBER = re.compile(r"(\d+)(号|弄)?")
_NOT_HOUSE = re.compile(r"栋|幢|座|室|房|楼|层|单元")
_BUILDING = re.compile(r"(\d+)(?:栋|幢|座|号楼)")
_SUB = re.compile(r"之(\d+)")  # normalize writes every sub-number as N号之M
MIN_TYPO_LEN = 3
SUB_PENALTY = 0.05  # the base house of a sub-number: right building, not the exact door


@dataclass
class _Choice:
    places: list[int]
    name: str
    typo_of: str | None
    hints: AdminHints
    notes: list[str] = field(default_factory=list)


def no_match(reason: str, suggestion: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"matched": False, "address_id": None, "text": None, "lon": None, "lat": None,
            "grid_code": None, "district_code": None, "town_code": None, "community_code": None,
            "confidence": 0.0, "reason": reason, "suggestion": suggestion}


class Geocoder:
    def __init__(self, library: AddressLibrary, tokens: AdminTokens) -> None:
        self.lib = library
        self.tokens = tokens
        self.places: dict[str, list[int]] = {}
        for i, name in enumerate(library.place_name):
            self.places.setdefault(name, []).append(i)
        by_name_town = {(n, int(library.place_town[i])): i for i, n in enumerate(library.place_name)}
        town_index = {t["code"]: i for i, t in enumerate(library.units.towns)}
        for comm in library.units.communities:  # 桐井村委会 / 桐井村民委员会 → 桐井村
            place = by_name_town.get((comm["short_name"], town_index[comm["town_code"]]))
            if place is None:
                continue
            stem = comm["short_name"][:-1]
            for alias in {comm["name"], stem + "村委会", stem + "村民委员会", stem + "村委"}:
                if alias != comm["short_name"]:
                    self.places.setdefault(alias, []).append(place)
        self.maxlen = max(len(n) for n in self.places)
        self.wild: dict[str, set[str]] = {}
        for name in self.places:
            for p in range(len(name)):
                self.wild.setdefault(name[:p] + "\0" + name[p + 1:], set()).add(name)

    # ---------------------------------------------------------------------------------
    def geocode(self, text: str) -> dict[str, Any]:
        s = normalize(text or "")
        if not s:
            return no_match("empty address")
        m = _NUMBER.search(s)
        if m is None:
            return no_match("no house number in the address")
        head, number, rest = s[: m.start()], int(m.group(1)), s[m.end():]
        if m.group(2) is None and _NOT_HOUSE.match(rest):
            return no_match(f"no house number: '{m.group(1)}{rest[:2]}' is a building or room")
        if not head:
            return no_match("no road or village name before the house number")
        sub_m = m.group(2) and _SUB.match(rest)
        sub = int(sub_m.group(1)) if sub_m else 0
        if sub_m:
            rest = rest[sub_m.end():]
        b = _BUILDING.match(rest)
        building = int(b.group(1)) if b else 0
        suffix = rest[b.end():] if b else rest
        exact = self._exact(head)
        if isinstance(exact, _Choice):
            result = self._resolve(exact, number, building, suffix, sub)
            if result["matched"] or not result.get("wrong_place"):
                result.pop("wrong_place", None)
                return result
            typo = self._typo(head, number)  # the exact name is elsewhere: maybe a typo
            if isinstance(typo, _Choice):
                return self._resolve(typo, number, building, suffix, sub)
            result.pop("wrong_place", None)
            return result
        typo = self._typo(head, number)
        if isinstance(typo, _Choice):
            return self._resolve(typo, number, building, suffix, sub)
        return no_match(typo or exact or f"no known road or village in '{head}'")

    def _exact(self, head: str) -> _Choice | str | None:
        for length in range(min(len(head), self.maxlen), 1, -1):
            name = head[-length:]
            if name in self.places:
                hints = self.tokens.parse(head[:-length])
                if isinstance(hints, str):
                    return hints
                return _Choice(self.places[name], name, None, hints)
        return None

    def _typo(self, head: str, number: int) -> _Choice | str | None:
        found: dict[int, tuple[str, str, AdminHints]] = {}
        towns, town_index = self.lib.units.towns, self.lib.town_index_of_place
        for length in range(min(len(head), self.maxlen), MIN_TYPO_LEN - 1, -1):
            written = head[-length:]
            hints = self.tokens.parse(head[:-length])
            if isinstance(hints, str):
                continue
            for p in range(length):
                for name in self.wild.get(written[:p] + "\0" + written[p + 1:], ()):
                    for place in self.places[name]:
                        if hints.allows(towns[town_index[place]]["code"]) and self.lib.find(place, number) >= 0:
                            found.setdefault(place, (name, written, hints))
        if not found:
            return None
        if len(found) > 1:
            names = sorted({v[0] for v in found.values()})
            return f"'{head}' is one character away from several addresses ({'、'.join(names)})"
        place, (name, written, hints) = next(iter(found.items()))
        return _Choice([place], name, written, hints)

    def _resolve(self, choice: _Choice, number: int, building: int, suffix: str, sub: int = 0) -> dict[str, Any]:
        towns = self.lib.units.towns
        town_index = self.lib.town_index_of_place
        town_of = {p: towns[town_index[p]] for p in choice.places}
        allowed = [p for p in choice.places if choice.hints.allows(town_of[p]["code"])]
        if not allowed:
            where = "、".join(sorted({t["name"] for t in town_of.values()}))
            result = no_match(f"{choice.name} is in {where}, not in "
                              f"{choice.hints.describe(self.lib.units.names)}")
            result["wrong_place"] = True
            return result
        if len(set(allowed)) > 1:
            where = "、".join(sorted({town_of[p]["name"] for p in allowed}))
            return no_match(f"{choice.name} is ambiguous ({where}); give the district or town")
        place = allowed[0]
        notes = list(choice.hints.notes)
        confidence = 1.0 - choice.hints.penalty
        town_code = town_of[place]["code"]
        if town_code in choice.hints.old_towns:
            notes.append(f"old name {choice.hints.old_towns[town_code]} → {town_of[place]['name']}")
            confidence -= 0.02
        if choice.typo_of:
            notes.append(f"road or village name corrected: {choice.typo_of} → {choice.name}")
            confidence -= 0.15
        if self.lib.place_kind[place] == "village" and choice.name != self.lib.place_name[place]:
            notes.append(f"{choice.name} read as {self.lib.place_name[place]}")
        row = self.lib.find(place, number, building)
        if row < 0 and building:
            row = self.lib.find(place, number)
            if row >= 0:
                notes.append(f"building {building}栋 not in the library; matched the house number")
                confidence -= 0.05
        if row < 0:
            return no_match(f"no house number {number}号 on {self.lib.place_name[place]}")
        if sub:
            notes.append(f"sub-number {number}号之{sub}: the library has none; matched the base number {number}号")
            confidence -= SUB_PENALTY
        if suffix:
            notes.append(f"'{suffix}' (room or floor) kept out of the standard address")
        rec = self.lib.located(row)
        if choice.typo_of and not choice.hints.named:
            return no_match(f"no known road {choice.typo_of}; it is one character away from {choice.name} in "
                            f"{self.lib.town_of(row)['name']}, but the text names no district or town to confirm it",
                            self._suggest(rec, round(max(confidence, 0.05), 3)))
        return {"matched": True, "address_id": rec["id"], "text": rec["text"], "lon": rec["lon"],
                "lat": rec["lat"], "grid_code": rec["grid_code"], "district_code": rec["district_code"],
                "town_code": rec["town_code"], "community_code": rec["community_code"],
                "confidence": round(max(confidence, 0.05), 3),
                "reason": "; ".join(["matched " + ("building" if self.lib.building[row] else "house number"), *notes]),
                "suggestion": None}

    @staticmethod
    def _suggest(rec: dict[str, Any], confidence: float) -> dict[str, Any]:
        """A candidate shown to the person who typed the text, never used to place anything."""
        return {"address_id": rec["id"], "text": rec["text"], "lon": rec["lon"], "lat": rec["lat"],
                "confidence": confidence}
