"""What people write is still a standard address: 12345 and patrol addresses, written the messy ways
people write them, resolve to the address they started from."""

from __future__ import annotations

import random

from hub.geo import load_city
from simulators.places import messy


def test_messy_addresses_geocode_back_to_their_standard_address() -> None:
    geo = load_city()
    rng = random.Random(12345)
    library = [a for d in ("440703", "440704", "440705", "440781") for a in geo.addresses(district=d, limit=40,
                                                                                            offset=500)]
    written = [(a, messy(a["text"], rng)) for a in library]
    assert sum(text != a["text"] for a, text in written) > len(written) // 2, "messy() hardly changes anything"
    back = [geo.geocode(text) for _, text in written]
    same = sum(1 for (a, _), found in zip(written, back, strict=True) if found.get("address_id") == a["id"])
    assert same >= 0.9 * len(written), [(t, f.get("text")) for (_, t), f in zip(written, back, strict=True)
                                        if f.get("address_id") is None][:5]
