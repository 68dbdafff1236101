"""Administrative names as they appear in address text: current, short and old forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.geo.units import Units

FILLER = ("中国", "广东省", "广东", "江门市", "江门", "市辖区")
OLD_DISTRICTS = {"新会市": "440705", "新会县": "440705", "台山县": "440781", "开平县": "440783",
                 "鹤山县": "440784", "恩平县": "440785"}


@dataclass
class AdminHints:
    districts: set[str] | None = None
    towns: set[str] | None = None
    notes: list[str] = field(default_factory=list)
    penalty: float = 0.0
    old_towns: dict[str, str] = field(default_factory=dict)  # town code → old name written

    def copy(self) -> AdminHints:
        return AdminHints(self.districts, self.towns, list(self.notes), self.penalty, dict(self.old_towns))

    @property
    def named(self) -> bool:
        """Does the text name a district or town (not only the province or city)?"""
        return self.districts is not None or self.towns is not None

    def allows(self, town_code: str) -> bool:
        if self.towns is not None and town_code not in self.towns:
            return False
        return self.districts is None or town_code[:6] in self.districts

    def describe(self, names: dict[str, str]) -> str:
        parts = sorted(self.towns or set()) or sorted(self.districts or set())
        return "、".join(names.get(p, p) for p in parts) if parts else "the city"


@dataclass(frozen=True)
class _Token:
    level: str  # filler | district | town | old_street | old_district
    codes: tuple[str, ...]  # district codes for district levels, town codes otherwise
    old: tuple[str, ...] = ()  # town codes this text names by an old name (台城镇 → 台城街道)


class AdminTokens:
    def __init__(self, units: Units) -> None:
        self.units = units
        tokens: dict[str, list[_Token]] = {}

        def add(text: str, level: str, *codes: str) -> None:
            tokens.setdefault(text, []).append(_Token(level, codes))

        for text in FILLER:
            add(text, "filler")
        for d in units.districts:
            add(d["name"], "district", d["code"])
            add(d["name"][:-1], "district", d["code"])
        for text, code in OLD_DISTRICTS.items():
            add(text, "old_district", code)
        for t in units.towns:
            add(t["name"], "town", t["code"])
            stem = t["name"][:-2] if t["name"].endswith("街道") else t["name"][:-1]
            if len(stem) >= 2:
                add(stem, "town", t["code"])
            if t["name"].endswith("街道"):
                tokens.setdefault(stem + "镇", []).append(_Token("town", (t["code"],), (t["code"],)))
                add(t["name"] + "办事处", "town", t["code"])
        for old, district in units.old_town_names.items():
            add(old, "old_street", district)
        for c in units.communities:
            for text in {c["name"], c["short_name"]}:
                add(text, "town", c["town_code"])
        self.tokens = {k: self._merge(v) for k, v in tokens.items()}
        self.maxlen = max(len(k) for k in self.tokens)
        self._cache: dict[str, AdminHints | str] = {}

    @staticmethod
    def _merge(found: list[_Token]) -> _Token:
        """One text can name several units (白沙镇 is a town in 台山 and the old name of
        蓬江's 白沙街道): keep them all and let the road decide."""
        order = ("town", "district", "old_district", "old_street", "filler")
        level = min((t.level for t in found), key=order.index)
        codes = tuple(sorted({c for t in found if t.level == level for c in t.codes}))
        old = tuple(sorted({c for t in found if t.level == level for c in t.old}))
        return _Token(level, codes, old)

    def parse(self, text: str) -> AdminHints | str:
        """Hints from the text before a road name, or the reason it cannot be read."""
        if text not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[text] = self._parse(text)
        got = self._cache[text]
        return got if isinstance(got, str) else got.copy()

    def _parse(self, text: str) -> AdminHints | str:
        hints = AdminHints()
        i = 0
        while i < len(text):
            for size in range(min(self.maxlen, len(text) - i), 0, -1):
                token = self.tokens.get(text[i:i + size])
                if token is not None:
                    err = self._apply(hints, text[i:i + size], token)
                    if err:
                        return err
                    i += size
                    break
            else:
                return f"unrecognised text '{text[i:]}' before the road or village name"
        if hints.towns is not None and hints.districts is not None:
            hints.towns = {t for t in hints.towns if t[:6] in hints.districts}
            if not hints.towns:
                return "the town named is not in the district named"
        if hints.districts is None and hints.towns is None:
            hints.notes.append("district and town inferred from the road or village")
            hints.penalty += 0.05
        elif hints.towns is None:
            hints.notes.append("town inferred from the road or village")
            hints.penalty += 0.03
        return hints

    def _apply(self, hints: AdminHints, text: str, token: _Token) -> str | None:
        if token.level == "filler":
            return None
        if token.level in ("district", "old_district", "old_street"):
            new = set(token.codes)
            if hints.districts is not None and not hints.districts & new:
                return f"'{text}' contradicts the district named before it"
            hints.districts = new if hints.districts is None else hints.districts & new
            if token.level != "district":
                what = "old county name" if token.level == "old_district" else "former street (merged)"
                hints.notes.append(f"{what} {text} → {self.units.names[token.codes[0]]}")
                hints.penalty += 0.02
            return None
        new = set(token.codes)
        if hints.towns is not None and not hints.towns & new:
            return f"'{text}' contradicts the town named before it"
        hints.towns = new if hints.towns is None else hints.towns & new
        hints.old_towns.update({code: text for code in token.old})
        return None
