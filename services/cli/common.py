"""What the command groups share."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.shared.config import Settings


def base_settings() -> "Settings":
    """The settings both services share (database, Kafka), from the environment and its env file."""
    from services.shared.config import Settings, load_settings

    return load_settings(Settings)
