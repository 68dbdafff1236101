"""Device health (一机一档 在线率): each registered device's last report, latest values and state.

The pipeline's sink only updates dictionaries (a few per event, no SQL). `check`, run every
`health_check_s`, turns silence into states and states into alarms:

- online: reported within `late_after` cadences; late: within `offline_after` (k) cadences;
  offline: silent longer; never_seen: no report since the registry listed it. Event-driven classes
  (cadence null) are never late or offline.
- going offline opens a device-offline alarm to the owner department; the next check after it
  reports again closes it.
- going offline `flap.changes` times within `flap.window_s` opens one device-flapping alarm instead;
  while it is open the device raises no offline alarms, and it closes once the device has reported
  for `flap.window_s` without going offline.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.events import DeadLetter, Event
from hub.health.alarms import Alarms, Raise
from hub.health.cadences import Cadences
from hub.registry import DeviceRegistry

STATES = ("online", "late", "offline", "never_seen")
STATE_NAMES = {"online": "在线", "late": "迟报", "offline": "离线", "never_seen": "未上线"}
HISTORY_STEP_S = 300.0  # a device's last 24 h keep one reading per 5 minutes: bounded memory at any rate
HISTORY = int(86400 // HISTORY_STEP_S)
WHO = "system:device-health"


@dataclass(slots=True)
class Seen:
    """What the hub knows of one device's reports."""

    last_received: float = 0.0  # when the hub received its latest report
    last_event: float = 0.0  # that report's own time
    reports: int = 0
    latest: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)  # event type → (time, data)
    history: deque[tuple[float, str, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    offline: bool = False  # the last check found it offline
    back_at: float = 0.0  # when it last came back from offline
    went_offline: deque[float] = field(default_factory=deque)  # times it went offline, within the flap window
    alarm_id: int | None = None
    flap_alarm_id: int | None = None
    dirty: bool = True  # changed since it was last persisted


def state_of(last: float | None, cadence: float | None, now: float, cadences: Cadences) -> str:
    if last is None:
        return "never_seen"
    if cadence is None:
        return "online"
    silent = now - last
    if silent <= cadences.late_after * cadence:
        return "online"
    return "late" if silent <= cadences.offline_after * cadence else "offline"


class DeviceHealth:
    def __init__(self, registry: DeviceRegistry, cadences: Cadences, alarms: Alarms | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.registry, self.cadences, self.alarms, self.clock = registry, cadences, alarms, clock
        self.seen: dict[str, Seen] = {}
        self.unknown: dict[str, int] = {}  # source system → events from devices not in the registry
        self.lock = threading.Lock()

    # ── the pipeline's sink: dictionary updates only ──
    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        devices, seen, unknown = self.registry.devices, self.seen, self.unknown
        entry_of: dict[str, Seen | str] = {}  # source → its device's entry, or its system when not registered
        with self.lock:
            for event in fresh:
                ce = event.ce
                source = ce["source"]
                entry = entry_of.get(source)
                if entry is None:
                    system, _, device = source.rpartition("/")
                    entry = seen.get(device)
                    if entry is None and device in devices:
                        entry = seen[device] = Seen()
                    entry_of[source] = entry = system if entry is None else entry
                if isinstance(entry, str):
                    unknown[entry] = unknown.get(entry, 0) + 1
                    continue
                at, kind, data = event.seconds, ce["type"], ce["data"]
                received = event.message.received_at
                if received >= entry.last_received:
                    entry.last_received, entry.last_event = received, at
                entry.reports += 1
                kept = entry.latest.get(kind)
                if kept is None or at >= kept[0]:
                    entry.latest[kind] = (at, data)
                history = entry.history
                if not history or at >= history[-1][0] + HISTORY_STEP_S:
                    history.append((at, kind, data))
                entry.dirty = True

    # ── states and alarms ──
    def state(self, device_id: str, now: float | None = None) -> str:
        row = self.registry.devices[device_id]
        entry = self.seen.get(device_id)
        return state_of(entry.last_received if entry else None, self.cadences.of(row.get("kind") or ""),
                        self.clock() if now is None else now, self.cadences)

    def check(self, now: float | None = None) -> dict[str, int]:
        """Every device's state now; open and close alarms on the changes. Returns the count per state."""
        now = self.clock() if now is None else now
        counts = dict.fromkeys(STATES, 0)
        with self.lock:
            entries = list(self.seen.items())
        for device_id, entry in entries:
            row = self.registry.devices[device_id]
            state = state_of(entry.last_received, self.cadences.of(row.get("kind") or ""), now, self.cadences)
            counts[state] += 1
            if state == "offline" and not entry.offline:
                self._went_offline(device_id, row, entry, now)
            elif state != "offline" and entry.offline:
                self._came_back(device_id, row, entry)
            if (entry.flap_alarm_id is not None and not entry.offline
                    and now - entry.back_at >= self.cadences.flap_window_s):
                if self.alarms:
                    self.alarms.close(entry.flap_alarm_id, f"设备 {device_id} 已连续稳定上报"
                                      f" {self.cadences.flap_window_s / 60:.0f} 分钟，频繁掉线告警解除", WHO)
                entry.flap_alarm_id, entry.dirty = None, True
                entry.went_offline.clear()
        counts["never_seen"] = len(self.registry.devices) - len(entries)
        return counts

    def _went_offline(self, device_id: str, row: dict[str, Any], entry: Seen, now: float) -> None:
        entry.offline, entry.dirty = True, True
        window = self.cadences.flap_window_s
        entry.went_offline.append(now)
        while entry.went_offline and entry.went_offline[0] < now - window:
            entry.went_offline.popleft()
        if self.alarms is None or entry.flap_alarm_id is not None or entry.alarm_id is not None:
            return
        name, silent = row.get("name") or device_id, (now - entry.last_received) / 60
        cadence = self.cadences.of(row.get("kind") or "") or 0
        if len(entry.went_offline) >= self.cadences.flap_changes:
            entry.flap_alarm_id = self.alarms.open(Raise(
                "device-flapping", "hub.device.flapping", f"设备频繁掉线：{name}（{device_id}）", row.get("department"),
                2, row, f"{window / 60:.0f} 分钟内掉线 {len(entry.went_offline)} 次；在恢复稳定前不再逐次告警"), WHO)
        else:
            entry.alarm_id = self.alarms.open(Raise(
                "device-offline", "hub.device.offline", f"设备离线：{name}（{device_id}）", row.get("department"),
                2, row, f"已 {silent:.0f} 分钟未上报（应每 {cadence:.0f} 秒上报）"),
                WHO)

    def _came_back(self, device_id: str, row: dict[str, Any], entry: Seen) -> None:
        entry.offline, entry.back_at, entry.dirty = False, entry.last_received, True
        if entry.alarm_id is not None and self.alarms:
            self.alarms.close(entry.alarm_id, f"设备 {device_id} 已恢复上报", WHO)
        entry.alarm_id = None
