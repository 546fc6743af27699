"""A bounded memo of fit results: fit depends only on the agreement version and the lead's record,
and a lead is rescored at each of its touches, so most batches meet leads already fitted.

Leads share few distinct results (36 among the benchmark's 20,000), so the memo keeps one object per
distinct result: a full memo is then a few hundred objects for the garbage collector instead of
100,000 (five per result), which every full collection walked (20-40 ms each, over a hundred of them
in the 200,000-event benchmark)."""

from collections import OrderedDict

import orjson

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.scoring import FitResult, LeadProfile, fit


class FitCache:
    # About 330 bytes an entry (the key; results are shared): 100,000 cost 33 MB. Before results were
    # shared and keys kept as text, 20,000 cost about 98 MB, and 50,000 leads did not fit.
    def __init__(self, size: int = 100_000) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, str | None, str], FitResult] = OrderedDict()
        self._shared: dict[FitResult, FitResult] = {}  # each distinct result once (results are immutable)

    def fit(self, version: int, doc: AgreementDocument, profile: LeadProfile) -> FitResult:
        """The lead's fit under `version`, computed once per distinct record while it stays cached."""
        # As text: the bytes orjson returns keep a 4 KB buffer each, which made a full memo ~80 MB.
        record = orjson.dumps(profile.attributes, option=orjson.OPT_SORT_KEYS, default=str).decode()
        key = (version, profile.email, record)
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        result = fit(doc, profile)
        if len(self._shared) >= self._size:  # mismatches may name values: distinct results stay bounded too
            self._shared.clear()
        result = self._entries[key] = self._shared.setdefault(result, result)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return result
