"""A bounded memo of fit results: fit depends only on the agreement version and the lead's record,
and a lead is rescored at each of its touches, so most batches meet leads already fitted."""

from collections import OrderedDict

import orjson

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.scoring import FitResult, LeadProfile, fit


class FitCache:
    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, str | None, bytes], FitResult] = OrderedDict()

    def fit(self, version: int, doc: AgreementDocument, profile: LeadProfile) -> FitResult:
        """The lead's fit under `version`, computed once per distinct record while it stays cached."""
        key = (version, profile.email, orjson.dumps(profile.attributes, option=orjson.OPT_SORT_KEYS, default=str))
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        result = self._entries[key] = fit(doc, profile)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return result
