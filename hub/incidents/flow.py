"""The digital city-management case flow (数字城管 案卷流程) as a small state machine.

reported (上报) → registered (立案) → dispatched (派遣) → in_progress (处置) → verified (核查)
→ closed (结案); or rejected (不予立案 / 作废). A dispatched case can be sent back (退回) to
registered, and a verified one that fails its check goes back to dispatched (返工).
Every state that is not final has a deadline: the 处置时限 of the responsible department for
dispatched and in_progress (counted from dispatch), the stage limits of the responsibility
list for the others.
"""

from __future__ import annotations

from collections.abc import Mapping

STATES = ("reported", "registered", "dispatched", "in_progress", "verified", "closed", "rejected")
FINAL = ("closed", "rejected")
OPEN = tuple(s for s in STATES if s not in FINAL)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reported": ("registered", "rejected"),
    "registered": ("dispatched", "rejected"),
    "dispatched": ("in_progress", "registered"),
    "in_progress": ("verified",),
    "verified": ("closed", "dispatched"),
    "closed": (),
    "rejected": (),
}
STATE_NAMES = {
    "reported": "上报", "registered": "立案", "dispatched": "派遣", "in_progress": "处置中",
    "verified": "核查", "closed": "结案", "rejected": "不予立案",
}


def next_states(state: str) -> list[str]:
    """The steps the flow allows from `state` now: what an operator's screen offers, nothing else."""
    return list(TRANSITIONS.get(state, ()))


def flow_map() -> dict[str, list[str]]:
    """Every state and its next steps, from TRANSITIONS: the one definition the page renders."""
    return {state: next_states(state) for state in STATES}


class InvalidTransition(ValueError):
    """A step the case flow does not allow from the incident's current state."""


def check_transition(state: str, to: str) -> None:
    if to not in STATES:
        raise InvalidTransition(f"unknown state {to!r}; states: {', '.join(STATES)}")
    allowed = TRANSITIONS.get(state, ())
    if to not in allowed:
        choices = ", ".join(allowed) if allowed else "none: the case is final"
        raise InvalidTransition(f"cannot go from {state} ({STATE_NAMES.get(state, state)}) to {to} "
                                f"({STATE_NAMES[to]}); allowed from {state}: {choices}")


def due_at(state: str, since: float, dispatched_at: float | None, time_limit_h: float | None,
           stage_limits_h: Mapping[str, float]) -> float | None:
    """When the step in `state`, entered at `since`, must be done; None for final states or no limit."""
    if state in FINAL:
        return None
    if state in ("dispatched", "in_progress"):
        if time_limit_h is None:
            return None
        return (dispatched_at if dispatched_at is not None else since) + time_limit_h * 3600
    limit = stage_limits_h.get(state)
    return None if limit is None else since + limit * 3600
