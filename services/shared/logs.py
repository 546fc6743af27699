"""JSON logs on stderr, one object a line, with email addresses and secrets masked.

Lead keys are email addresses and error messages quote them; API keys and webhook secrets can
surface in reprs. Masking the finished line catches every path (messages, extras, tracebacks).
"""

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson
from pydantic import BaseModel, SecretStr

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# local@domain, also URL-encoded (%40): keep the first character and the domain for debugging.
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*(@|%40)([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")
_WEBHOOK_SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with email local parts, bearer tokens, `whsec_` secrets and the given secrets hidden."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _WEBHOOK_SECRET.sub("whsec_[redacted]", text)
    text = _BEARER.sub(r"\1[redacted]", text)
    return _EMAIL.sub(r"\1***\2\3", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return mask(orjson.dumps(out, default=str).decode(), self._secrets)


def secret_values(settings: BaseModel) -> list[str]:
    """The plain values of every SecretStr field of a settings object."""
    values = (getattr(settings, name, None) for name in type(settings).model_fields)
    return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


def configure_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Routes every logger, uvicorn's too, through the masking JSON formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiokafka").setLevel("WARNING")
