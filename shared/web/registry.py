"""What services contribute to the shared layout: navigation links, task counters, timelines.

Each app keeps its own registry (in `app.extensions`), filled by the services' `register(app)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Select

from shared.auth.principal import Principal
from shared.db import counts

# The top bar groups its links by job, in this order; `ACCOUNT` goes to the user's menu at
# the right (notifications, account, administration), not among the jobs.
ORIENTATION = "Orientation"
AGENDA = "Agenda"
DISCHARGES = "Sorties"
EPP = "EPP"
TERRITORY = "Territoire"
ACCOUNT = "Compte"
GROUPS = (ORIENTATION, AGENDA, DISCHARGES, EPP, TERRITORY)
# The job a role comes for, shown first after "À faire".
FIRST_GROUP = {
    "gp": ORIENTATION,
    "coordinator": ORIENTATION,
    "professional": ORIENTATION,
    "partner": ORIENTATION,
    "nurse": AGENDA,
    "dac": DISCHARGES,
    "midwife": EPP,
    "reporting": TERRITORY,
}


@dataclass(frozen=True)
class NavLink:
    """A link of the top bar, shown to holders of one of `roles`, in the menu of `group`."""

    label: str
    endpoint: str
    roles: tuple[str, ...]
    order: int = 100
    group: str = ACCOUNT


@dataclass(frozen=True)
class NavGroup:
    """One entry of the top bar: a job and its links (a plain link when it has only one)."""

    label: str
    links: tuple[NavLink, ...]


@dataclass(frozen=True)
class Task:
    """Something waiting for the user: a label, how many, and where to do it."""

    label: str
    count: int
    url: str


@dataclass(frozen=True)
class CountedTask:
    """A task whose count is a query (one row, one count): `tasks_for` reads the counts of
    every service in one statement."""

    label: str
    query: Select[Any]
    url: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline (a transition, a notification sent…)."""

    at: Any
    title: str
    detail: str | None = None
    by: str | None = None


TaskCounter = Callable[[Principal], Sequence[Task | CountedTask]]
TimelineSource = Callable[[str], list[TimelineEntry]]


@dataclass
class WebRegistry:
    nav_links: list[NavLink] = field(default_factory=list)
    task_counters: list[TaskCounter] = field(default_factory=list)
    timeline_sources: list[TimelineSource] = field(default_factory=list)
    # The endpoint of the search page (the header's search box), once a service offers one.
    search_endpoint: str | None = None


def registry(app: Flask | None = None) -> WebRegistry:
    """The registry of `app` (the current app by default), created on first use."""
    app = app or current_app
    return app.extensions.setdefault("relais_web", WebRegistry())


def add_nav_link(
    app: Flask, label: str, endpoint: str, *roles: str, order: int = 100, group: str = ACCOUNT
) -> None:
    """Show a link to `endpoint` in the top bar's menu `group` to holders of `roles`."""
    if group not in (*GROUPS, ACCOUNT):
        raise ValueError(f"unknown navigation group {group!r}")
    registry(app).nav_links.append(NavLink(label, endpoint, roles, order, group))


def set_search_page(app: Flask, endpoint: str) -> None:
    """The page the header's search box sends its `q` to."""
    registry(app).search_endpoint = endpoint


def add_task_counter(app: Flask, counter: TaskCounter) -> None:
    """Count tasks waiting for a user (shown on the home page and in the top bar): the counter
    gives `Task`s, or `CountedTask`s whose queries `tasks_for` runs together."""
    registry(app).task_counters.append(counter)


def add_timeline_source(app: Flask, source: TimelineSource) -> None:
    """Add entries (e.g. notifications sent) to the timeline of a case, by its reference."""
    registry(app).timeline_sources.append(source)


def nav_links_for(principal: Principal) -> list[NavLink]:
    """The top-bar links this user may follow, in order."""
    # No roles: every logged-in user (as `@page()`), e.g. the notifications inbox.
    links = [link for link in registry().nav_links if not link.roles or principal.has(*link.roles)]
    return sorted(links, key=lambda link: (link.order, link.label))


def nav_groups_for(principal: Principal) -> list[NavGroup]:
    """The top bar's jobs for this user: the role's own first, then in `GROUPS` order; each
    with the links this user may follow (the account menu is apart, `account_links_for`)."""
    links = nav_links_for(principal)
    first = [FIRST_GROUP[role] for role in sorted(principal.roles) if role in FIRST_GROUP]
    order = list(dict.fromkeys([*first[:1], *GROUPS]))
    groups = [NavGroup(name, tuple(link for link in links if link.group == name)) for name in order]
    return [group for group in groups if group.links]


def account_links_for(principal: Principal) -> list[NavLink]:
    """The links of the user's menu: notifications, account, administration."""
    return [link for link in nav_links_for(principal) if link.group == ACCOUNT]


def tasks_for(principal: Principal) -> list[Task]:
    """Every non-empty task of this user, the counts that are queries read in one statement;
    once per request (the home page lists them, the top bar adds them up)."""
    found: dict[Any, list[Task]] = g.setdefault("web_tasks", {})
    if principal.user_id not in found:
        tasks = [task for counter in registry().task_counters for task in counter(principal)]
        counted = iter(counts([task.query for task in tasks if isinstance(task, CountedTask)]))
        found[principal.user_id] = [
            task
            for task in (
                Task(task.label, next(counted), task.url) if isinstance(task, CountedTask) else task
                for task in tasks
            )
            if task.count
        ]
    return found[principal.user_id]


def timeline_extras(reference: str) -> list[TimelineEntry]:
    """Timeline entries contributed by other services for one case."""
    return [entry for source in registry().timeline_sources for entry in source(reference)]
