"""A PDF read back as text with pdftotext (poppler-utils; deploy/local/browser.sh installs it)."""

import subprocess
from pathlib import Path


def pdf_text(path: Path) -> str:
    """The page's text in layout order, every run of whitespace one space."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())
