"""Geocoder: precision and recall on generated perturbed addresses, and the named cases."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from hub.geo import load_city
from hub.geo.city import CityGeo
from hub.geo.normalize import chinese_to_int, normalize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "geo"))
from perturb import generate

POSITIVES, NEGATIVES = 3000, 600


@pytest.fixture(scope="module")
def city() -> CityGeo:
    return load_city()


def _road_row(city: CityGeo, town_suffix: str = "街道") -> int:
    lib = city.library
    for i in range(0, len(lib), 997):
        if lib.place_kind[lib.place[i]] == "road" and not lib.building[i] and \
                lib.town_of(i)["name"].endswith(town_suffix):
            return i
    raise AssertionError("no road address found")


def test_precision_and_recall_on_perturbed_addresses(city: CityGeo) -> None:
    samples = generate(city, POSITIVES, NEGATIVES, seed=2024)
    results = city.geocode_many([s.text for s in samples])
    right = wrong = 0
    missed: Counter[str] = Counter()
    for sample, res in zip(samples, results, strict=True):
        if res["matched"]:
            if res["address_id"] == sample.expected_id:
                right += 1
            else:
                wrong += 1
        elif sample.expected_id is not None:
            missed.update(sample.perturbations)
    precision = right / max(right + wrong, 1)
    recall = right / POSITIVES
    print(f"geocoder on {POSITIVES}+{NEGATIVES} samples: precision {precision:.4f}, recall {recall:.4f}; "
          f"misses by perturbation {dict(missed.most_common(6))}")
    assert precision >= 0.995
    assert recall >= 0.97


def test_standard_text_comes_back_exactly(city: CityGeo) -> None:
    lib = city.library
    for i in range(0, len(lib), len(lib) // 50):
        res = city.geocode(lib.text(i))
        assert res["matched"] and res["address_id"] == lib.id_of(i) and res["confidence"] == 1.0


def test_named_messes(city: CityGeo) -> None:
    lib = city.library
    i = _road_row(city)
    rec = lib.record(i)
    c = rec["components"]
    n = int(lib.number[i])
    road, town, district = c["road"], c["town"], c["district"]
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    variants = [
        f"{road}{n}号",  # no province, city, district or town
        f"{district}{road}{n}號",  # 號
        f"{district[:-1]} {town[:-2]}镇 {road} {full_width} 号",  # short, old town name, spaces
        f"广东省江门市{district}{town}{road}{n}号3栋502房",  # building/room suffix
        f"{district}{road}{n}",  # no 号
    ]
    for text in variants:
        res = city.geocode(text)
        assert res["matched"], (text, res["reason"])
        assert res["address_id"] == rec["id"], text
        assert 0 < res["confidence"] <= 1 and res["reason"]


def test_typo_of_one_character_is_corrected(city: CityGeo) -> None:
    lib = city.library
    i = _road_row(city)
    c = lib.record(i)["components"]
    road, n = c["road"], int(lib.number[i])
    for ch in "甲乙丙丁戊":
        typo = ch + road[1:]
        if typo not in city.geocoder.places:
            res = city.geocode(f"{c['district']}{c['town']}{typo}{n}号")
            if res["matched"]:
                assert res["address_id"] == lib.id_of(i)
                assert "corrected" in res["reason"] and res["confidence"] < 1
                return
    pytest.fail("no typo variant matched")


def test_village_names_and_committee_names(city: CityGeo) -> None:
    lib = city.library
    row = next(i for i in range(0, len(lib), 101) if lib.place_kind[lib.place[i]] == "village")
    c = lib.record(row)["components"]
    village, n = c["village"], int(lib.number[row])
    for text in (f"{c['town']}{village}{n}号", f"{c['district']}{c['town']}{village[:-1]}村委会{n}号"):
        res = city.geocode(text)
        assert res["matched"] and res["address_id"] == lib.id_of(row), (text, res["reason"])


def test_no_match_rather_than_a_guess(city: CityGeo) -> None:
    i = _road_row(city)
    c = city.library.record(i)["components"]
    for text in ("", "随便写点什么", "佛山市顺德区" + c["road"] + "12号", c["road"] + "99999号",
                 c["district"] + "不存在的路12号", "12号"):
        res = city.geocode(text)
        assert res["matched"] is False and res["reason"], text
        assert res["address_id"] is None and res["lon"] is None


def test_duplicate_village_names_need_a_town(city: CityGeo) -> None:
    lib = city.library
    names = Counter(n for n, k in zip(lib.place_name, lib.place_kind, strict=True) if k == "village")
    dup = next(n for n, k in sorted(names.items()) if k > 1)
    res = city.geocode(f"{dup}1号")
    assert not res["matched"] and "ambiguous" in res["reason"]


def test_normalize() -> None:
    assert chinese_to_int("十二") == 12 and chinese_to_int("一百零五") == 105 and chinese_to_int("二三") == 23
    assert normalize(" 江门市 蓬江区 胜利路　十二號 ") == "江门市蓬江区胜利路12号"
    assert normalize("新一村３号") == "新一村3号"


def _road_with_number_and_its_tenfold(city: CityGeo) -> tuple[int, int]:
    """A road address n whose road also has n·10+1 (19 and 191): the house a dropped dash would pick."""
    lib = city.library
    for i in range(0, len(lib), 7):
        n, place = int(lib.number[i]), int(lib.place[i])
        if lib.place_kind[place] == "road" and not lib.building[i] and lib.find(place, n * 10 + 1) >= 0:
            return i, lib.find(place, n * 10 + 1)
    raise AssertionError("no road with both n and n·10+1")


def test_a_guangdong_sub_number_resolves_to_its_base_number_never_another_house(city: CityGeo) -> None:
    lib = city.library
    row, tenfold = _road_with_number_and_its_tenfold(city)
    c = lib.record(row)["components"]
    n, base = int(lib.number[row]), lib.id_of(row)
    for text in (f"{c['district']}{c['road']}{n}-1号", f"{c['district']}{c['road']}{n}－1号",
                 f"{c['district']}{c['road']}{n} - 1", f"{c['district']}{c['road']}{n}之1号",
                 f"{c['district']}{c['road']}{n}号之一", f"{c['district']}{c['road']}{n}号之1"):
        res = city.geocode(text)
        assert res["matched"] and res["address_id"] == base != lib.id_of(tenfold), (text, res)
        assert res["confidence"] < 1.0 and f"sub-number {n}号之1" in res["reason"], text
    assert normalize("白沙大道十三之一号") == normalize("白沙大道13号之一") == "白沙大道13号之1"


def test_a_road_one_character_off_is_corrected_only_inside_the_place_the_text_names(city: CityGeo) -> None:
    for text in ("江门大道100号", "华园中路5号", "建设三路10号", "江门市华园中路5号"):  # real roads the library lacks
        res = city.geocode(text)
        assert res["matched"] is False and res["lon"] is None and res["address_id"] is None, (text, res)
        assert res["suggestion"] and res["suggestion"]["text"], text
    lib = city.library
    i = _road_row(city)
    c = lib.record(i)["components"]
    road, n = c["road"], int(lib.number[i])
    typo = next(ch + road[1:] for ch in "甲乙丙丁戊" if ch + road[1:] not in city.geocoder.places
                and city.geocode(f"{c['district']}{ch + road[1:]}{n}号")["matched"])
    assert city.geocode(f"{c['district']}{typo}{n}号")["address_id"] == lib.id_of(i)
    unnamed = city.geocode(f"{typo}{n}号")
    assert unnamed["matched"] is False and unnamed["suggestion"]["address_id"] == lib.id_of(i)
    other = next(d["name"] for d in city.units.districts if d["name"] != c["district"])
    assert city.geocode(f"{other}{typo}{n}号")["matched"] is False
