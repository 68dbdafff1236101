"""Forecasts of waterlogging depth and river level at +30/+60/+120 min, fitted from the store's history."""

from __future__ import annotations

from hub.forecast.points import ForecastSettings, load_settings
from hub.forecast.service import Forecast, Forecaster

__all__ = ["Forecast", "ForecastSettings", "Forecaster", "load_settings"]
