"""`handoff review`: the weekly review written as files, HTML and PDF."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import asyncpg

from services.agreement.active import read_active
from services.router.config import RouterSettings
from services.router.reporting.domain.review import due_review
from services.router.reporting.review_figures import WeeklyReview, weekly_review
from services.router.reporting.review_pdf import print_pdf
from services.router.reporting.sla_figures import calendar_zone
from services.router.reporting.ui.render import review_html
from services.shared.db import init_connection


@dataclass(frozen=True)
class ReviewFiles:
    review: WeeklyReview
    html: Path
    pdf: Path | None


async def last_week(pool: asyncpg.Pool, now: datetime) -> date:
    """The Monday of the latest week whose review is due (the agreement's calendar)."""
    agreement = await read_active(pool)
    opens = agreement.document.sla.calendar.start if agreement else datetime.min.time()
    return due_review(now, calendar_zone(agreement), opens)


async def write_review(settings: RouterSettings, monday: date | None, out_dir: Path, now: datetime, *,
                       pdf: bool = True) -> ReviewFiles:
    """Builds the review of the week of `monday` (default: the last week) and writes review-<week>.html
    and, with Chromium, review-<week>.pdf into `out_dir`."""
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4, init=init_connection)
    try:
        agreement = await read_active(pool)
        monday = monday or await last_week(pool, now)
        review = await weekly_review(pool, agreement, monday, settings.reporting_currency, now)
    finally:
        await pool.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    html = review_html(review)
    html_path = out_dir / f"review-{review.week}.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = None
    if pdf:
        pdf_path = out_dir / f"review-{review.week}.pdf"
        pdf_path.write_bytes(await print_pdf(html, settings.review_chromium))
    return ReviewFiles(review, html_path, pdf_path)
