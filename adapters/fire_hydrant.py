"""Fire-hydrant pressure sensors (智慧消防 市政消火栓监测, NB-IoT via CTWing) → city.fire.hydrant.pressure.

The sensor reports pipe pressure in MPa, battery and an alarm code (0 normal, 1 low pressure, 2
high pressure, 3 knocked/tilted, 4 opened — water being drawn, 5 leak). Outdoor hydrants must hold
at least 0.14 MPa (GB 50974-2014): lower readings are marked low even when the sensor says 0.
"""

from __future__ import annotations

from typing import Any

from adapters import ctwing
from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, field, finite
from adapters.declaration import URBAN, Fleet, Raises

STATES = {0: "normal", 1: "low_pressure", 2: "high_pressure", 3: "tilted", 4: "opened", 5: "leak"}
MIN_PRESSURE_MPA = 0.14


def adapt(raw: bytes) -> list[CloudEvent]:
    found = ctwing.reading(raw)
    if found is None:
        return []
    what = f"hydrant {found.imei}"
    pressure = finite(field(found.values, "pressure", what), f"{what} pressure", 0, 10)
    code = finite(found.values.get("alarm", 0), f"{what} alarm", 0, 99)
    state = STATES.get(int(code))
    if state is None or code != int(code):
        raise NativeRejected(f"{what}: unknown alarm code {found.values.get('alarm')!r}")
    if state == "normal" and pressure < MIN_PRESSURE_MPA:
        state = "low_pressure"
    data: dict[str, Any] = {"hydrant_id": found.imei, "pressure_mpa": pressure, "state": state}
    if found.values.get("battery") is not None:
        data["battery_pct"] = finite(found.values["battery"], f"{what} battery", 0, 100)
    event_id = f"{found.imei}-{found.time:%Y%m%d%H%M%S}"
    return [cloudevent(ADAPTER.source(found.imei), "city.fire.hydrant.pressure", event_id, found.time, data)]


ADAPTER = Adapter(
    name="fire-hydrant", domain="fire", system="hydrant", event_types=("city.fire.hydrant.pressure",),
    simulator="fire-hydrant", framing="document", adapt=adapt,
    summary="hydrant pressure sensors (NB-IoT, CTWing push JSON) → city.fire.hydrant.pressure",
    raises={"city.fire.hydrant.pressure": Raises("部件/0151", plan_items=("十", "十三"))},  # 消火栓
    fleets=(Fleet("hydrant", 80, URBAN | {"jianghai_park": 2}, "江门市消防救援支队", "86759105{d2}{n:05d}",
        "市政消火栓{n}号"),),
)
