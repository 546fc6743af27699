"""The chaos harness, short: 5,000 events over 500 leads, two SIGKILLs, no broker or database restart
(those stop the machine's shared stack; `make chaos` does them). Nothing lost, nothing doubled."""

from rich.console import Console

from chaos.config import ChaosConfig
from chaos.harness import run
from chaos.report import table, violations

SHORT = ChaosConfig(events=5_000, leads=500, kills=2, restart_kafka=False, restart_postgres=False, rate=500,
                    settle_timeout_s=120)


async def test_two_kills_under_load_lose_and_double_nothing(stack):
    # On this suite's database name (<HANDOFF_TEST_DB>_chaos): two suites, or a `make chaos`, never meet.
    report = await run(SHORT, stack.settings, name="chaos")
    console = Console(width=150, record=True)
    console.print(table(report))
    assert report.passed, console.export_text() + "\n".join(violations(report))
    assert [f["fault"] for f in report.faults] == ["kill", "kill"]
