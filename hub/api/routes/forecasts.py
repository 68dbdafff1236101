"""Forecasts over HTTP: every waterlogging point's or river gauge's current forecast at +30/+60/+120 min, the
expected time of crossing its threshold, and whether a forecast warning (预警) is in force."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from hub.api.deps import HubDep, ReaderDep
from hub.incidents.views import iso

router = APIRouter(prefix="/api/forecasts", tags=["forecasts"])


@router.get("")
def forecasts(hub: HubDep, who: ReaderDep,
              kind: Literal["waterlogging", "river"] = "waterlogging") -> dict[str, Any]:
    """The current forecast of every point of a kind in the caller's area."""
    forecaster = hub.monitoring.forecasts
    model = forecaster.models.get(kind)
    items = [item for item in forecaster.view(kind) if who.area.admits_item(item)]
    return {"kind": kind, "kind_name": forecaster.settings.kinds[kind].title,
            "horizons_min": list(forecaster.settings.horizons_min),
            "model": None if model is None else {"fitted_at": iso(forecaster.fitted_at), "samples": model.samples,
                                                 "points_with_own_coefficients": len(model.points),
                                                 "training_rmse": {f"+{h}min": round(e, 4)
                                                                   for h, e in model.rmse.items()}},
            "warnings_in_force": sum(1 for i in items if i["warning"]), "count": len(items), "items": items}
