"""The weekly review over HTTP: the page and its PDF for signed-in readers (/ui/reviews/<week>, the links
the review event and the chat summary carry), and publishing it again (ops)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.agreement.deps import AgreementDep
from services.router.config import RouterSettings, RouterSettingsDep
from services.router.reporting.domain.review import parse_week
from services.router.reporting.params import invalid
from services.router.reporting.review_figures import WeeklyReview, weekly_review
from services.router.reporting.review_pdf import PdfUnavailable, print_pdf
from services.router.reporting.review_publishing import Publish, publish_review
from services.router.reporting.ui import session
from services.router.reporting.ui.render import page, review_html
from services.shared.auth import require_role
from services.shared.deps import NowDep, PoolDep
from services.shared.edge import edge
from services.shared.errors import ApiError, error_responses

Week = Annotated[str, Path(description="ISO week, e.g. 2026-W48", max_length=10)]
SESSION = edge("session", body=session.MAX_FORM_BYTES)


class ReviewSent(BaseModel):
    week: str
    deliveries: int
    chat: bool | None
    event: dict[str, Any]


def _monday(week: str) -> date:
    try:
        return parse_week(week)
    except ValueError as exc:
        raise invalid("week", str(exc)) from None


async def _for_reader(request: Request, week: str, pool: asyncpg.Pool, agreement: Any, now: datetime,
                      settings: RouterSettings) -> WeeklyReview | None:
    """The week's review for a signed-in reader; None for anyone else (they get the login form)."""
    if await session.reader(request, pool) is None:
        return None
    return await weekly_review(pool, agreement, _monday(week), settings.reporting_currency, now)


def review_routes(publish: Publish) -> APIRouter:
    router = APIRouter()

    # The PDF first: /ui/reviews/{week} would take 2026-W48.pdf as a week.
    @router.get("/ui/reviews/{week}.pdf", include_in_schema=False, openapi_extra=SESSION)
    async def review_pdf(request: Request, week: Week, pool: PoolDep, agreement: AgreementDep, now: NowDep,
                         settings: RouterSettingsDep) -> Response:
        """The same page printed to PDF by headless Chromium; 503 where there is none."""
        review = await _for_reader(request, week, pool, agreement, now, settings)
        if review is None:
            return page("login.html", status=401, message=None)
        try:
            pdf = await print_pdf(review_html(review), settings.review_chromium)
        except PdfUnavailable as exc:
            raise ApiError(503, "pdf_unavailable", str(exc)) from exc
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="review-{review.week}.pdf"', "Cache-Control": "no-store"})

    @router.get("/ui/reviews/{week}", include_in_schema=False, openapi_extra=SESSION)
    async def review_page(request: Request, week: Week, pool: PoolDep, agreement: AgreementDep, now: NowDep,
                          settings: RouterSettingsDep) -> Response:
        """The week's review as one page; the login form (401) for anyone not signed in."""
        review = await _for_reader(request, week, pool, agreement, now, settings)
        if review is None:
            return page("login.html", status=401, message=None)
        return page("review.html", review=review, **_page_context(review))

    @router.post("/v1/reviews/{week}/publish", response_model=ReviewSent, tags=["review"],
                 dependencies=[Depends(require_role("ops"))], responses=error_responses(401, 403, 422))
    async def publish_again(week: Week, pool: PoolDep, agreement: AgreementDep, now: NowDep,
                            settings: RouterSettingsDep) -> ReviewSent:
        """Publishes the week's review (again): to the subscriptions of handoff.review.published and the chat."""
        sent = await publish_review(pool, agreement, _monday(week), settings, now, publish, again=True)
        assert sent is not None  # publishing again always publishes
        return ReviewSent(week=sent.event.data.week, deliveries=sent.deliveries, chat=sent.chat,
                          event=sent.event.model_dump(mode="json"))

    return router


def _page_context(review: Any) -> dict[str, Any]:
    return {"tz": ZoneInfo(review.time_zone), "one_day": timedelta(days=1)}
