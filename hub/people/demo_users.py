"""The demo's staff: one user of each role, made once per demo database with a fresh password each."""

from __future__ import annotations

import secrets

from hub.people import People

# name → role, department, district, town: the city centre, 蓬江区 and its 白沙街道, the city management
# department that handles 蓬江区's flooding and street cases, an inspector, a leader and an administrator
DEMO_USERS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "zhongxin": ("city_operator", None, None, None),
    "pengjiang": ("district_operator", None, "440703", None),
    "baisha": ("town_operator", None, None, "440703002"),
    "chengguan": ("department", "蓬江区城市管理和综合执法局", "440703", None),
    "jiandu": ("inspector", None, None, None),
    "lingdao": ("leader", None, None, None),
    "admin": ("admin", None, None, None),
}


def seed_demo_users(people: People) -> list[tuple[str, str, str]]:
    """Add the demo users a database does not have yet; (name, role, password) of those added."""
    added = []
    for name, (role, department, district, town) in DEMO_USERS.items():
        if people.users.get(name) is not None:
            continue
        password = secrets.token_urlsafe(9)
        people.users.add(name, role, password, department, district, town)
        people.audit.append("demo", "user.add", name, {"role": role})
        added.append((name, role, password))
    return added
