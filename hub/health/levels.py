"""The quality levels every source must keep (hub/data/quality_levels.yaml), and the alarm to the platform's
operators while a source is below them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.health.alarms import Alarms, Raise
from hub.health.quality import SourceQuality, duration_s
from hub.pipeline.routing import DATA

LEVELS_FILE = DATA / "quality_levels.yaml"
WHO = "system:data-quality"
TITLE = "数据质量低于要求："


@dataclass(frozen=True)
class Levels:
    operators: str
    window_s: float
    min_messages: int
    completeness_min: float
    timeliness_p95_max_s: float
    validity_min: float
    duplicates_max: float


def load_levels(path: Path | None = None) -> Levels:
    doc = yaml.safe_load((path or LEVELS_FILE).read_text(encoding="utf-8")) or {}
    levels = doc.get("levels") or {}
    return Levels(str(doc.get("operators", "运行中心")), duration_s(str(doc.get("window", "1h"))),
                  int(doc.get("min_messages", 20)),
                  float(levels.get("completeness_min", 0.8)), float(levels.get("timeliness_p95_max_s", 300)),
                  float(levels.get("validity_min", 0.95)), float(levels.get("duplicates_max", 0.05)))


def shortfalls(figures: dict[str, Any], levels: Levels) -> list[str]:
    """What is below the levels, in words; empty when the source keeps them or sent too little to judge."""
    expected = figures["expected_reports"] or 0
    if figures["messages"] < levels.min_messages and expected < levels.min_messages:
        return []
    found = []
    if figures["completeness"] is not None and figures["completeness"] < levels.completeness_min:
        found.append(f"完整率 {figures['completeness']:.1%} < {levels.completeness_min:.1%}")
    p95 = figures["timeliness"]["p95_s"]
    if p95 is not None and p95 > levels.timeliness_p95_max_s:
        found.append(f"及时性 p95 {p95:.0f} 秒 > {levels.timeliness_p95_max_s:.0f} 秒")
    if figures["validity"] is not None and figures["validity"] < levels.validity_min:
        found.append(f"有效率 {figures['validity']:.1%} < {levels.validity_min:.1%}")
    if figures["duplicate_share"] is not None and figures["duplicate_share"] > levels.duplicates_max:
        found.append(f"重复率 {figures['duplicate_share']:.1%} > {levels.duplicates_max:.1%}")
    return found


class QualityAlarms:
    def __init__(self, quality: SourceQuality, levels: Levels, alarms: Alarms) -> None:
        self.quality, self.levels, self.alarms = quality, levels, alarms
        self.open: dict[str, int] = {}  # source → its alarm in force
        for incident in alarms.incidents.store.open_incidents(0, {"source-quality"}):
            if incident.title.startswith(TITLE) and incident.id is not None:
                self.open[incident.title.removeprefix(TITLE)] = incident.id

    def check(self, now: float) -> dict[str, list[str]]:
        below = {}
        for source in self.quality.sources():
            found = shortfalls(self.quality.figures(source, self.levels.window_s, now), self.levels)
            if found:
                below[source] = found
                if source not in self.open:
                    self.open[source] = self.alarms.open(Raise(
                        "source-quality", "hub.source.quality", TITLE + source, self.levels.operators, 2, None,
                        f"近 {self.levels.window_s / 60:.0f} 分钟：" + "；".join(found)), WHO)
            elif source in self.open:
                self.alarms.close(self.open.pop(source), f"{source} 数据质量已恢复到要求之内", WHO)
        return below
