"""What one chaos run does: sizes, rates, faults and the seed."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ChaosConfig:
    """The knobs of a run; the defaults are the issue's (`make chaos`)."""

    events: int = 50_000  # distinct valid engagement events
    leads: int = 5_000
    duplicate_share: float = 0.10  # extra records: valid events produced again later (same source and id)
    poison_share: float = 0.01  # extra records the scorer can never apply
    http_share: float = 0.20  # of the engagement records, sent through POST /v1/events instead of Kafka
    kills: int = 3  # SIGKILLs of a random service process, each restarted
    restart_kafka: bool = True
    restart_postgres: bool = True
    rate: float = 1_000.0  # engagement records per second
    crm_rate: float = 150.0  # CRM activities per second
    crm_duplicate_share: float = 0.10
    seed: int = 7
    settle_timeout_s: float = 300.0  # for the consumers to catch up after each phase

    def as_dict(self) -> dict:
        return asdict(self)
