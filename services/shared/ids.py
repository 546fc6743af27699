"""Deterministic event ids, so a redelivered input yields the same output ids."""

import uuid

_NAMESPACE = uuid.UUID("6c1c2b8e-6a49-4f0e-9a53-0d6f1b7f4e21")


def derived_id(input_key: str, step: str) -> str:
    """The id of the event that `step` emits for the input identified by `input_key`."""
    return str(uuid.uuid5(_NAMESPACE, f"{input_key}/{step}"))
