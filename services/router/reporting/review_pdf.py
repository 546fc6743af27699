"""The weekly review as PDF: headless Chromium's print-to-PDF of the review page, in a process of its own."""

import asyncio
import os
import tempfile
from pathlib import Path

PRINT_TIMEOUT_S = 60.0


class PdfUnavailable(RuntimeError):
    """No Chromium to print with, or it failed."""


def chromium_ready(binary: str) -> bool:
    return os.access(binary, os.X_OK)


async def print_pdf(html: str, binary: str, timeout_s: float = PRINT_TIMEOUT_S) -> bytes:
    """`html` printed to PDF (A4, as the page's @page says, no header or footer) by `binary`."""
    if not chromium_ready(binary):
        raise PdfUnavailable(f"no Chromium at {binary} (HANDOFF_REVIEW_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="handoff-review-") as work:
        page, out = Path(work) / "review.html", Path(work) / "review.pdf"
        page.write_text(html, encoding="utf-8")
        # Its own profile in the temporary folder; no sandbox: a container's root cannot use it, and the
        # page is our own, with no script and nothing fetched.
        proc = await asyncio.create_subprocess_exec(
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            f"--user-data-dir={work}/profile", f"--print-to-pdf={out}", page.as_uri(),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise PdfUnavailable(f"Chromium did not print within {timeout_s:.0f} s") from None
        if proc.returncode != 0 or not out.exists():
            raise PdfUnavailable(f"Chromium failed ({proc.returncode}): {err.decode(errors='replace')[-300:]}")
        return out.read_bytes()
