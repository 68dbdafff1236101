"""The device registry (一机一档): every simulated device is in it, inside the city, at a standard address,
with its owner — and the builder gives the same file every time."""

from __future__ import annotations

from collections import Counter

import pytest

from adapters.base import DEVICE_ID
from hub.geo import load_city
from hub.registry import load_registry
from maps import build_device_registry
from simulators.fleet import all_devices
from simulators.registry import SIMULATORS


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return list(load_registry().devices.values())


def test_every_simulator_has_its_fleet_in_the_registry(rows: list[dict[str, object]]) -> None:
    fleets = Counter(str(r["adapter"]) for r in rows)
    for name, simulator in SIMULATORS.items():
        assert fleets[simulator.adapter] > 0, f"no devices for {name}"
    assert len(all_devices()) == len(rows)


def test_devices_are_unique_placed_and_owned(rows: list[dict[str, object]]) -> None:
    geo = load_city()
    assert all(DEVICE_ID.fullmatch(str(r["device_id"])) for r in rows)
    for row in rows:
        found = geo.locate(float(row["lon"]), float(row["lat"]))  # type: ignore[arg-type]
        assert found is not None, f"{row['device_id']} is outside Jiangmen"
        assert found["district_code"] == row["district_code"], row["device_id"]
        assert row["department"], f"{row['device_id']} has no owner department"


def test_devices_stand_at_standard_addresses(rows: list[dict[str, object]]) -> None:
    geo = load_city()
    if not hasattr(geo, "geocode"):
        pytest.skip("the address library has not landed")
    addressed = [r for r in rows if r["address_id"]]
    assert len(addressed) >= 0.95 * len(rows)
    sample = addressed[:: max(1, len(addressed) // 150)]
    resolved = [geo.geocode(str(r["address"])) for r in sample]
    near = sum(1 for r, g in zip(sample, resolved, strict=True) if g.get("matched")
               and abs(g["lon"] - float(r["lon"])) < 5e-4 and abs(g["lat"] - float(r["lat"])) < 5e-4)
    assert near >= 0.9 * len(sample), f"only {near}/{len(sample)} registry addresses geocode back to the device"


def test_the_builder_is_deterministic() -> None:
    assert build_device_registry.render(build_device_registry.build_rows()) == \
        build_device_registry.render(build_device_registry.build_rows())
