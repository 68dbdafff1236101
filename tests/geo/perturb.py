"""Labelled, perturbed addresses for evaluating the geocoder (deterministic given a seed).

Each positive sample starts from a standard address of the library and applies a few of the
messes seen in real input: missing province/city/district/town, short and old town names
(台城街道 → 台城镇), full-width digits, Chinese numerals, 號 and a dropped 号, spaces,
building and room suffixes, a one-character typo in the road name, official
village-committee names (…村委会). Negative samples must not match: unknown roads, house
numbers that do not exist, other cities.

Run ``python tests/geo/perturb.py 3000`` to print samples as JSON lines.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass

from hub.geo.city import CityGeo

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CN_DIGITS = "零一二三四五六七八九"
TYPE_ENDINGS = ("大道", "路", "街", "巷", "村")


@dataclass(frozen=True)
class Sample:
    text: str
    expected_id: str | None  # None: the geocoder must not match
    perturbations: tuple[str, ...]


def cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return "".join(CN_DIGITS[int(d)] for d in str(n))


def _typo(name: str, rng: random.Random, pool: str) -> str:
    ending = next((e for e in TYPE_ENDINGS if name.endswith(e)), "")
    stem = name[: len(name) - len(ending)]
    if len(stem) < 2:
        return name
    p = rng.randrange(len(stem))
    ch = rng.choice(pool)
    while ch == stem[p]:
        ch = rng.choice(pool)
    return stem[:p] + ch + stem[p + 1:] + ending


def positive(city: CityGeo, row: int, rng: random.Random, pool: str) -> Sample:
    lib = city.library
    rec = lib.record(row)
    comp = rec["components"]
    town, district = comp["town"], comp["district"]
    place = comp["road"] or comp["village"]
    number = int(lib.number[row])
    applied: list[str] = []

    def maybe(name: str, p: float) -> bool:
        if rng.random() < p:
            applied.append(name)
            return True
        return False

    prefix = rng.choice(["", "", "广东省", "广东"]) + ("" if maybe("no_city", 0.6) else "江门市")
    if maybe("no_district", 0.35):
        district = ""
    elif maybe("short_district", 0.2):
        district = district[:-1]
    if maybe("no_town", 0.3 if district else 0.15):
        town = ""
    elif town.endswith("街道") and maybe("old_town_name", 0.3):
        town = town[:-2] + "镇"
    elif maybe("short_town", 0.15) and len(town) > 3:
        town = town[:-2] if town.endswith("街道") else town[:-1]
    if comp["village"] and maybe("village_committee", 0.25):
        place = place[:-1] + rng.choice(["村委会", "村民委员会"])
    elif comp["road"] and maybe("typo", 0.2):
        place = _typo(place, rng, pool)
    num = str(number)
    if maybe("chinese_numeral", 0.15):
        num = cn_number(number)
    elif maybe("full_width", 0.2):
        num = num.translate(FULL_WIDTH)
    mark = "号"
    tail = f"{int(lib.building[row])}栋" if lib.building[row] else ""
    if maybe("trad_hao", 0.15):
        mark = "號"
    elif not tail and maybe("no_hao", 0.1):  # "12" + "3栋" would read as 123栋
        mark = ""
    if maybe("room", 0.25):
        tail += rng.choice(["502房", "3楼", "1201室", "2单元301", "B座"]) if tail or mark else ""
    parts = [prefix, district, town, place, num + mark, tail]
    sep = " " if maybe("spaces", 0.2) else ""
    text = sep.join(p for p in parts if p)
    return Sample(text, rec["id"], tuple(applied))


def negative(city: CityGeo, row: int, rng: random.Random) -> Sample:
    lib = city.library
    comp = lib.record(row)["components"]
    place = comp["road"] or comp["village"]
    kind = rng.choice(["bad_number", "unknown_road", "other_city"])
    if kind == "bad_number":
        text = f"{comp['district']}{comp['town']}{place}{int(lib.number[row]) + 5000}号"
    elif kind == "unknown_road":
        road = rng.choice(["星河", "银海", "天宇", "鼎盛"]) + "北环路"
        text = f"{comp['district']}{comp['town']}{road}{rng.randint(1, 99)}号"
    else:
        text = f"{rng.choice(['佛山市顺德区', '广州市天河区', '珠海市香洲区'])}{place}{int(lib.number[row])}号"
    return Sample(text, None, (kind,))


def generate(city: CityGeo, positives: int, negatives: int, seed: int = 2024) -> list[Sample]:
    rng = random.Random(seed)
    lib = city.library
    pool = "".join(sorted({ch for name in lib.place_name for ch in name}))
    rows = rng.sample(range(len(lib)), positives + negatives)
    out = [positive(city, r, rng, pool) for r in rows[:positives]]
    out += [negative(city, r, rng) for r in rows[positives:]]
    return out


if __name__ == "__main__":
    from hub.geo import load_city

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for s in generate(load_city(), n, n // 5):
        print(json.dumps(s.__dict__, ensure_ascii=False))
