"""Helpdesk agents as team members, so a ticket's assignee links to a person HotDash knows.

The mappers send what a helpdesk knows of an agent (external id, name, email). A team member also needs
working hours, a role and a team, which no helpdesk says; `complete_agents` gives a new agent those
defaults (the store's timezone, 09:00-17:00 Monday to Friday, role support) and leaves a known one's hours as
a manager set them. A ticket whose assignee is neither stored nor in the batch keeps its stored assignee
instead of being refused for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.models.catalog import Store
from hotdash.store.models.team import TeamMember

NEW_AGENT = {
    "role": "support",
    "team": "Support",
    "is_active": True,
    "work_start": time(9, 0),
    "work_end": time(17, 0),
    "work_days": "12345",
}


def complete_agents(
    session: Session,
    *,
    store_id: int,
    source: str,
    batch: Mapping[str, Sequence[Mapping[str, Any]]],
    now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """Return the batch with new agents completed and unknown assignees left out."""
    agents = [dict(a) for a in batch.get("team_members") or []]
    tickets = [dict(t) for t in batch.get("tickets") or []]
    wanted = {a["external_id"] for a in agents} | {
        t["assignee_external_id"] for t in tickets if t.get("assignee_external_id")
    }
    stored = (
        set(
            session.scalars(
                select(TeamMember.external_id).where(
                    TeamMember.source == source, TeamMember.external_id.in_(sorted(wanted))
                )
            )
        )
        if wanted
        else set()
    )
    timezone = session.scalar(select(Store.timezone).where(Store.id == store_id)) or "UTC"
    for agent in agents:
        if agent["external_id"] not in stored:
            agent.update({**NEW_AGENT, "timezone": timezone, "created_at": now, **agent})
            agent.setdefault("name", f"Agent {agent['external_id']}")
    known = stored | {a["external_id"] for a in agents}
    for ticket in tickets:
        if ticket.get("assignee_external_id") and ticket["assignee_external_id"] not in known:
            del ticket["assignee_external_id"]
    out = {entity: [dict(r) for r in records] for entity, records in batch.items()}
    out["tickets"] = tickets
    if agents:
        out["team_members"] = agents
    return out
