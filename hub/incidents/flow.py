"""The digital city-management case flow (数字城管 案卷流程): states, named steps, who may take them.

reported (上报) → registered (立案) → dispatched (派遣) → in_progress (处置中) → verified (待核查)
→ closed (结案), with
- 核实: a public or hotline report goes to an inspector first (`send_to_verify` → verifying); the
  inspector confirms it (`confirm`, which registers it) or refutes it (`refute` → rejected);
- 回退: a department returns a wrongly dispatched case (`return` → registered); the centre
  re-dispatches it; each return counts against the dispatch;
- 延期: a department asks for more time (`request_extension` → extension_requested); the centre
  approves (`approve_extension`: the deadline moves by the approved working hours) or refuses
  (`refuse_extension`); either way the case is back in_progress;
- 挂账: a case that cannot be handled now is parked with a reason (`request_parking` →
  park_requested; `approve_parking` → parked, with no deadline and out of the on-time counts;
  `refuse_parking`); `unpark` dispatches it again;
- 返工: 核查 fails (`rework` → dispatched), counted as rework on the case.

Step names are stable: the API, the page and the duty tables key by them (docs/EVALUATION.md lists
them). Each step names the posts that may take it; `operator` (the centre's shared operator token)
may take every step, as before named users existed. The deadline of dispatched and in_progress
counts the class's 处置时限 from dispatch on the working-time clock (hub/supervision/worktime.py)
plus approved extensions; other open states count the stage limits of the responsibility list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.supervision.worktime import Limit, work_clock

STATES = ("reported", "verifying", "registered", "dispatched", "in_progress", "extension_requested",
          "park_requested", "parked", "verified", "closed", "rejected")
FINAL = ("closed", "rejected")
OPEN = tuple(s for s in STATES if s not in FINAL)
STATE_NAMES = {
    "reported": "上报", "verifying": "核实中", "registered": "立案", "dispatched": "派遣", "in_progress": "处置中",
    "extension_requested": "延期申请", "park_requested": "挂账申请", "parked": "挂账", "verified": "核查",
    "closed": "结案", "rejected": "不予立案",
}
POSTS = {"inspector": "监督员", "intake": "受理员", "shift_lead": "值班长", "dispatcher": "派遣员",
         "department": "专业部门", "operator": "值班操作员"}
CENTRE = ("intake", "shift_lead", "dispatcher")
HANDLING = ("dispatched", "in_progress")  # the states whose deadline is the class's 处置时限


@dataclass(frozen=True, slots=True)
class FlowStep:
    name: str
    label: str  # the step's Chinese name
    sources: tuple[str, ...]  # states it may be taken from
    to: str
    posts: tuple[str, ...]  # who may take it ("operator" always may)
    needs_reason: bool = False


_STEPS = (
    FlowStep("register", "立案", ("reported",), "registered", ("intake", "shift_lead")),
    FlowStep("send_to_verify", "派核实", ("reported",), "verifying", ("intake",)),
    FlowStep("confirm", "核实属实", ("verifying",), "registered", ("inspector",)),
    FlowStep("refute", "核实不实", ("verifying",), "rejected", ("inspector",), True),
    FlowStep("reject", "不予立案", ("reported", "registered"), "rejected", ("intake", "shift_lead"), True),
    FlowStep("dispatch", "派遣", ("registered",), "dispatched", ("dispatcher", "shift_lead")),
    FlowStep("accept", "签收处置", ("dispatched",), "in_progress", ("department",)),
    FlowStep("return", "回退", ("dispatched",), "registered", ("department",), True),
    FlowStep("request_extension", "延期申请", HANDLING, "extension_requested", ("department",), True),
    FlowStep("approve_extension", "批准延期", ("extension_requested",), "in_progress", ("shift_lead",)),
    FlowStep("refuse_extension", "驳回延期", ("extension_requested",), "in_progress", ("shift_lead",), True),
    FlowStep("request_parking", "挂账申请", HANDLING, "park_requested", ("department",), True),
    FlowStep("approve_parking", "批准挂账", ("park_requested",), "parked", ("shift_lead",)),
    FlowStep("refuse_parking", "驳回挂账", ("park_requested",), "in_progress", ("shift_lead",), True),
    FlowStep("unpark", "解除挂账", ("parked",), "dispatched", ("dispatcher", "shift_lead")),
    FlowStep("finish", "处置反馈", ("in_progress",), "verified", ("department",)),
    FlowStep("close", "核查结案", ("verified",), "closed", ("inspector", "shift_lead")),
    FlowStep("rework", "返工", ("verified",), "dispatched", ("inspector", "shift_lead"), True),
)
STEPS: dict[str, FlowStep] = {s.name: s for s in _STEPS}
STEP_NAMES = tuple(STEPS)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    state: tuple(dict.fromkeys(s.to for s in _STEPS if state in s.sources)) for state in STATES}
STEPS_FROM: dict[str, tuple[str, ...]] = {state: tuple(s.name for s in _STEPS if state in s.sources)
                                         for state in STATES}


def next_states(state: str) -> list[str]:
    """The steps the flow allows from `state` now: what an operator's screen offers, nothing else."""
    return list(TRANSITIONS.get(state, ()))


def flow_map() -> dict[str, list[str]]:
    """Every state and its next steps, from TRANSITIONS: the one definition the page renders."""
    return {state: next_states(state) for state in STATES}


class InvalidTransition(ValueError):
    """A step the case flow does not allow from the incident's current state, or not to this post."""


def check_transition(state: str, to: str) -> None:
    if to not in STATES:
        raise InvalidTransition(f"unknown state {to!r}; states: {', '.join(STATES)}")
    allowed = TRANSITIONS.get(state, ())
    if to not in allowed:
        choices = ", ".join(allowed) if allowed else "none: the case is final"
        raise InvalidTransition(f"cannot go from {state} ({STATE_NAMES.get(state, state)}) to {to} "
                                f"({STATE_NAMES[to]}); allowed from {state}: {choices}")


def resolve_step(state: str, to: str | None = None, step: str | None = None) -> FlowStep:
    """The step meant: named, or the only step from `state` to `to`."""
    if step is not None:
        found = STEPS.get(step)
        if found is None:
            raise InvalidTransition(f"unknown step {step!r}; steps: {', '.join(STEP_NAMES)}")
        if state not in found.sources:
            choices = ", ".join(STEPS_FROM.get(state, ())) or "none: the case is final"
            raise InvalidTransition(f"cannot {step} ({found.label}) from {state} ({STATE_NAMES.get(state, state)});"
                                    f" steps from {state}: {choices}")
        if to is not None and to != found.to:
            raise InvalidTransition(f"step {step} goes to {found.to}, not {to}")
        return found
    if to is None:
        raise InvalidTransition("name the step or the state to go to")
    check_transition(state, to)
    matching = [s for s in _STEPS if state in s.sources and s.to == to]
    if len(matching) > 1:
        raise InvalidTransition(f"from {state} to {to} is more than one step: name one of "
                                f"{', '.join(s.name for s in matching)}")
    return matching[0]


def check_step(flow_step: FlowStep, post: str, reason: str = "") -> None:
    """Refuse a step the post may not take, or one that needs a reason given without one."""
    if post != "operator" and post not in flow_step.posts:
        allowed = ", ".join(f"{p} ({POSTS[p]})" for p in flow_step.posts)
        raise InvalidTransition(f"a {post} ({POSTS.get(post, post)}) may not {flow_step.name} "
                                f"({flow_step.label}); who may: {allowed}")
    if flow_step.needs_reason and not reason.strip():
        raise InvalidTransition(f"{flow_step.name} ({flow_step.label}) needs a reason")


def due_at(state: str, since: float, dispatched_at: float | None, time_limit_h: float | None,
           stage_limits_h: Mapping[str, float], limit: Limit | None = None, extension_wh: float = 0.0,
           windows: str | None = None) -> float | None:
    """When the step in `state`, entered at `since`, must be done; None for final or parked states or no
    limit. While handled, the class's `limit` counts on the working-time clock from dispatch (plus
    `extension_wh`); without a class, `time_limit_h` natural hours do."""
    if state in FINAL or state == "parked":
        return None
    if state in (*HANDLING, "extension_requested", "park_requested"):
        start = dispatched_at if dispatched_at is not None else since
        if limit is not None:
            return (work_clock(windows) if windows else work_clock()).due_seconds(start, limit, extension_wh)
        if time_limit_h is None:
            return None
        return start + time_limit_h * 3600 + extension_wh * 3600
    limit_h = stage_limits_h.get(state)
    return None if limit_h is None else since + limit_h * 3600
