"""Where the database time of a running benchmark goes: samples pg_stat_activity of the bench
databases and prints the share of samples each (state, wait, statement) took.

    .venv/bin/python -m bench.pg_activity --seconds 15   # while `make bench` runs in another shell
"""

import asyncio
import collections
import time

import asyncpg
import typer

from services.shared.config import Settings

app = typer.Typer(add_completion=False)

SAMPLE = (
    "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q"
    " FROM pg_stat_activity WHERE datname LIKE $1 AND pid <> pg_backend_pid() AND state <> 'idle'"
)


async def _sample(url: str, databases: str, seconds: float, interval: float) -> tuple[int, collections.Counter]:
    conn = await asyncpg.connect(url)
    counts: collections.Counter = collections.Counter()
    samples = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for r in await conn.fetch(SAMPLE, databases):
                counts[(r["state"], r["wait_event_type"], r["wait_event"], r["q"])] += 1
            samples += 1
            await asyncio.sleep(interval)
    finally:
        await conn.close()
    return samples, counts


@app.command()
def main(seconds: float = 15.0, interval: float = 0.02, databases: str = "handoff_bench%", top: int = 25) -> None:
    """Samples every `interval` s for `seconds` s; a share is the fraction of samples a row was in."""
    samples, counts = asyncio.run(_sample(Settings().database_url, databases, seconds, interval))
    for (state, wait_type, wait, query), n in counts.most_common(top):
        print(f"{n / max(samples, 1):6.1%}  {state:<20} {(wait_type or '') + ':' + (wait or ''):<28} {query}")


if __name__ == "__main__":
    app()
