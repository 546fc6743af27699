"""HTML out of the templates: autoescaped (campaigns, reasons and names come from integrators) and
served with a strict content security policy."""

import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.router.reporting.ui import charts
from services.router.reporting.ui import format as fmt

_CHART = {"chart_width": fmt.CHART_WIDTH, "row_height": fmt.ROW_HEIGHT, "bar_end": fmt.LABEL_WIDTH + fmt.BAR_AREA,
          "trend_width": charts.WIDTH, "trend_height": charts.HEIGHT, "polyline": charts.polyline}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    env = Environment(loader=PackageLoader("services.router.reporting.ui", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(fmt=fmt, **_CHART)
    return env


def page(template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """The rendered template; its inline style and script run by nonce, nothing else does. The referrer
    stays on this site (same-origin): no-referrer would make the browser send `Origin: null` with
    the login form, which the origin check must refuse."""
    nonce = secrets.token_urlsafe(16)
    html = _templates().get_template(template).render(nonce=nonce, **context)
    policy = (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; "
              "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": policy, "Cache-Control": "no-store", "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff", **(headers or {})})


def review_html(review: Any) -> str:
    """The weekly review as a stand-alone page (its one style by nonce, no script), for files and the PDF."""
    return _templates().get_template("review.html").render(
        nonce=secrets.token_urlsafe(16), review=review, tz=ZoneInfo(review.time_zone), one_day=timedelta(days=1))
