"""The ingest ceiling: a bare FastAPI endpoint that answers 202 and does nothing else."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.shared.app import NO_OPENTELEMETRY

# Configured like the services' apps, so the ceiling is the same framework.
app = FastAPI(telemetry=NO_OPENTELEMETRY)


@app.post("/v1/events")
async def accept(request: Request) -> Response:
    await request.body()
    return Response(b'{"accepted":1}', status_code=202, media_type="application/json")
