"""The agreement in force, for routes and wiring: the app's watcher, put on `app.state.agreement`."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from services.agreement.active import ActiveAgreement, Versioned


def keep_watcher(app: FastAPI, watcher: ActiveAgreement) -> None:
    """Makes `watcher` the app's agreement (bootstrap calls it in lifespan)."""
    app.state.agreement = watcher


def watcher_of(app: FastAPI) -> ActiveAgreement:
    watcher: ActiveAgreement = app.state.agreement
    return watcher


async def current_agreement(request: Request) -> Versioned | None:
    """The version in force at this request."""
    return watcher_of(request.app).current


AgreementDep = Annotated[Versioned | None, Depends(current_agreement)]
