"""The ping-pong guard: who a reassignment may not hand the lead back to. Pure.

Under the SLA tier's `on_breach.exclude_last` = N, the lead's last N distinct assignees (newest
first, across every handoff of the lead, so a recycled and requalified lead does not go back to a
rep who just had it) are excluded. Without N, every earlier assignee of this handoff is, as before.
The rep holding the lead now is always excluded: handing it back to them is no reassignment.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from services.agreement.handoff_sections import SlaTier


@dataclass(frozen=True)
class Exclusion:
    reps: frozenset[str]
    last_n: int | None  # the tier's N, or None: this handoff's assignees


def excluded_on_reassign(target: SlaTier | None, current_rep: str, handoff_assignees: Sequence[str],
                         lead_recent_assignees: Sequence[str]) -> Exclusion:
    """The reps a reassignment skips (reason `excluded`), and the rule that chose them."""
    n = target.on_breach.exclude_last if target is not None else None
    if n is None:
        return Exclusion(frozenset(handoff_assignees) | {current_rep}, None)
    recent = list(dict.fromkeys(lead_recent_assignees))[:n]  # distinct, newest first
    return Exclusion(frozenset(recent) | {current_rep}, n)
