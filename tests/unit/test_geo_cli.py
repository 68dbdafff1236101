"""`cityhub locate` and `cityhub geocode` through their argparse registration."""

from __future__ import annotations

import argparse
import json

import pytest

from hub.cli import geo as cli_geo
from hub.geo import load_city


def _run(argv: list[str]) -> int:
    top = argparse.ArgumentParser()
    cli_geo.register(top.add_subparsers(dest="command", required=True))
    args = top.parse_args(argv)
    return int(args.func(args))


def test_locate_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["locate", "113.0815", "22.5790"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grid_code"].startswith("440703") and out["district_name"] == "蓬江区"


def test_locate_outside_exits_1_with_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["locate", "100", "20", "--crs", "gcj02"]) == 1
    err = capsys.readouterr().err
    assert "outside" in err and len(err.strip().splitlines()) == 1


def test_geocode_road_address(capsys: pytest.CaptureFixture[str]) -> None:
    lib = load_city().library
    i = next(i for i in range(len(lib)) if lib.place_kind[lib.place[i]] == "road"
             and lib.number[i] == 12 and not lib.building[i] and lib.town_of(i)["district_code"] == "440703")
    road = lib.place_name[lib.place[i]]
    assert _run(["geocode", f"蓬江区{road}12号"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["address_id"] == lib.id_of(i) and out["text"].endswith(f"{road}12号")
    assert _run(["geocode", "乱七八糟"]) == 1
    assert "no match" in capsys.readouterr().err
