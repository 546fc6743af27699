"""Publishing the weekly review: once a week by the job (Monday morning, the agreement's calendar), or
again on demand; as a signed `handoff.review.published` delivery to the subscriptions that ask for it,
and as a short summary to a Slack-compatible incoming webhook when one is set. A summary the webhook
does not take is posted again at each of the job's checks, for a week (`router.reviews.summary_posted_at`)."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import orjson

from schemas.envelope import CloudEvent
from schemas.events import ReviewPublished
from schemas.messages import ReviewEvent
from services.agreement.active import CurrentAgreement
from services.router.config import RouterSettings
from services.router.reporting.domain.review import due_review, summary_text, week_label
from services.router.reporting.review_figures import WeeklyReview, weekly_review
from services.router.reporting.sla_figures import calendar_zone
from services.shared.ids import derived_id
from services.shared.jobs import PeriodicJob
from services.shared.state import Clock

log = logging.getLogger("handoff.review")
Publish = Callable[[asyncpg.Connection, CloudEvent], Awaitable[int]]  # queues a delivery per subscription
SLACK_TIMEOUT_S = 10.0
SUMMARY_RETRY_FOR = timedelta(days=7)  # a weekly summary older than its week is news no more


@dataclass(frozen=True)
class Published:
    event: ReviewEvent
    deliveries: int  # queued for the subscriptions
    chat: bool | None  # the summary was taken by the chat webhook; None: no webhook set


def review_event(review: WeeklyReview, settings: RouterSettings, count: int) -> ReviewEvent:
    """The event of the `count`-th publication of the review (its id follows, so receivers drop repeats)."""
    base = settings.link_base
    html_url, h = f"{base}/ui/reviews/{review.week}", review.summary()
    data = ReviewPublished(
        week=review.week, starts_at=review.since, ends_at=review.until,
        agreement_version=review.agreement.version if review.agreement else None, currency=review.currency,
        sales_ready=h.sales_ready, commitment=h.commitment, acceptance_rate=h.acceptance_rate,
        on_time_pct=h.on_time_pct, pipeline_amount=h.pipeline_amount, won=h.won, won_amount=h.won_amount,
        html_url=html_url, pdf_url=f"{html_url}.pdf", summary=summary_text(h, html_url))
    return ReviewEvent(id=derived_id(f"review#{review.week}", f"published:{count}"), source=settings.event_source,
                       subject=review.week, time=review.built_at, data=data)


async def _claim(conn: asyncpg.Connection, review: WeeklyReview, now: datetime, *, again: bool) -> int | None:
    """The publication's number for the week: 1 the first time; None when the job finds it published."""
    if again:
        return await conn.fetchval(  # type: ignore[no-any-return]
            "INSERT INTO router.reviews (week, starts_at, ends_at, published_at, event) VALUES ($1, $2, $3, $4, '{}')"
            " ON CONFLICT (week) DO UPDATE SET published = router.reviews.published + 1, published_at = $4,"
            " summary_posted_at = NULL, summary_attempts = 0"
            " RETURNING published", review.week, review.since, review.until, now)
    return await conn.fetchval(  # type: ignore[no-any-return]
        "INSERT INTO router.reviews (week, starts_at, ends_at, published_at, event) VALUES ($1, $2, $3, $4, '{}')"
        " ON CONFLICT (week) DO NOTHING RETURNING published", review.week, review.since, review.until, now)


async def post_summary(url: str, text: str) -> bool:
    """Posts `{"text": ...}` as Slack's incoming webhooks take it; False (logged) when it is refused."""
    try:
        async with httpx.AsyncClient(timeout=SLACK_TIMEOUT_S, follow_redirects=False) as client:
            response = await client.post(url, json={"text": text})
    except httpx.HTTPError as exc:
        log.warning("review summary not delivered", extra={"error": repr(exc)})
        return False
    if not 200 <= response.status_code < 300:
        log.warning("review summary refused", extra={"status": response.status_code})
        return False
    return True


async def publish_review(pool: asyncpg.Pool, agreement: Any, monday: date, settings: RouterSettings, now: datetime,
                         publish: Publish, *, again: bool) -> Published | None:
    """Builds the review of the week of `monday` and publishes it: once (`again` false, the job), or once
    more (ops asking). None when the job finds the week published already."""
    review = await weekly_review(pool, agreement, monday, settings.reporting_currency, now)
    async with pool.acquire() as conn, conn.transaction():
        count = await _claim(conn, review, now, again=again)
        if count is None:
            return None
        event = review_event(review, settings, count)
        queued = await publish(conn, event)
        await conn.execute("UPDATE router.reviews SET event = $2 WHERE week = $1", review.week,
                           orjson.loads(event.data.model_dump_json()))
    hook = settings.review_slack_webhook_url
    chat = await post_pending_summaries(pool, hook.get_secret_value(), now, week=review.week) > 0 if hook else None
    log.info("weekly review published", extra={"week": review.week, "deliveries": queued})
    return Published(event, queued, chat)


async def post_pending_summaries(pool: asyncpg.Pool, url: str, now: datetime, week: str | None = None) -> int:
    """Posts the summaries the chat has not taken yet (of `week` only, when given), published in the
    last SUMMARY_RETRY_FOR; returns how many it took. A row another replica is posting is skipped,
    so the chat gets each summary once."""
    taken = 0
    async with pool.acquire() as conn, conn.transaction():
        pending = await conn.fetch(
            "SELECT week, event->>'summary' FROM router.reviews WHERE summary_posted_at IS NULL"
            " AND published_at > $1 AND ($2::text IS NULL OR week = $2) ORDER BY published_at"
            " FOR UPDATE SKIP LOCKED", now - SUMMARY_RETRY_FOR, week)
        for name, text in pending:
            if text and await post_summary(url, text):
                taken += 1
                await conn.execute("UPDATE router.reviews SET summary_posted_at = $2 WHERE week = $1", name, now)
            else:
                await conn.execute("UPDATE router.reviews SET summary_attempts = summary_attempts + 1"
                                   " WHERE week = $1", name)
    return taken


class ReviewJob(PeriodicJob):
    """Publishes last week's review once its Monday's opening time has passed (the agreement's calendar)."""

    def __init__(self, pool: asyncpg.Pool, agreement: CurrentAgreement, settings: RouterSettings, publish: Publish,
                 clock: Clock) -> None:
        super().__init__("weekly review", self._step, settings.review_check_s)
        self._pool, self._agreement, self._settings, self._publish, self._clock = (
            pool, agreement, settings, publish, clock)

    async def _step(self) -> bool:
        active = self._agreement()
        opens = active.document.sla.calendar.start if active else time(0)
        monday = due_review(self._clock(), calendar_zone(active), opens)
        done = await self._pool.fetchval("SELECT 1 FROM router.reviews WHERE week = $1", week_label(monday))
        if done is None:
            await publish_review(self._pool, active, monday, self._settings, self._clock(), self._publish,
                                 again=False)
        elif (hook := self._settings.review_slack_webhook_url) is not None:  # what the chat refused before
            await post_pending_summaries(self._pool, hook.get_secret_value(), self._clock())
        return False
