"""The run's table (what it did, what it found) and its JSON record."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.table import Table

from chaos.checks import Check

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Report:
    """What a run did and found; `passed` decides the exit code."""

    config: dict
    started_at: str
    database: str
    topic_prefix: str
    did: list[tuple[str, str]] = field(default_factory=list)  # (what, how much / when)
    faults: list[dict] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    duration_s: float = 0.0
    error: str | None = None  # the run could not finish (e.g. never settled)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.passed for c in self.checks)


def describe_fault(f: dict) -> tuple[str, str]:
    """One table row for one fault."""
    when = f"t+{f['at_s']:.0f}s, phase {f['phase']}"
    if f["fault"] == "kill":
        ready = f"ready {f['ready_after_s']}s after" if f["ready_after_s"] is not None else "NOT ready again"
        return f"SIGKILL {f['target']}", f"{when}: pid {f['killed_pid']} -> {f['new_pid']}, {ready}"
    name = {"kafka": "Kafka broker restart", "postgres": "PostgreSQL restart"}[f["fault"]]
    if "skipped" in f:
        return name, f"{when}: skipped ({f['skipped']})"
    return name, f"{when}: down {f['down_s']}s (stopping took {f['stop_s']}s)"


def table(report: Report) -> Table:
    verdict = "PASS" if report.passed else "FAIL"
    t = Table(title=f"Handoff chaos run: {verdict} ({report.duration_s:.0f} s, seed {report.config['seed']})")
    t.add_column("")
    t.add_column("expected", justify="right")
    t.add_column("actual", justify="right")
    t.add_column("result")
    for what, value in report.did:
        t.add_row(what, "", value, "")
    for fault in report.faults:
        t.add_row(*describe_fault(fault)[:1], "", describe_fault(fault)[1], "")
    t.add_section()
    for c in report.checks:
        t.add_row(c.name, c.expected, c.actual, "[green]PASS[/green]" if c.passed else "[bold red]FAIL[/bold red]")
    if report.error:
        t.add_row("run", "finishes", report.error, "[bold red]FAIL[/bold red]")
    return t


def violations(report: Report) -> list[str]:
    """Examples of what failed, for the lines under the table."""
    return [f"{c.name}: {example}" for c in report.checks if not c.passed for example in c.examples]


def write_json(report: Report) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{report.started_at.replace(':', '').replace('-', '')}.json"
    path.write_text(json.dumps({**asdict(report), "passed": report.passed}, indent=2, default=str))
    return path
