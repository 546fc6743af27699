"""The ingest ceiling: a bare FastAPI endpoint that answers 202 and does nothing else."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

# Configured like the services' apps (services/shared/app.py), so the ceiling is the same framework.
app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})


@app.post("/v1/events")
async def accept(request: Request) -> Response:
    await request.body()
    return Response(b'{"accepted":1}', status_code=202, media_type="application/json")
