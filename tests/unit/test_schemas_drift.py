"""The generated contract files must match the models (run `make schemas` after a change)."""

import pytest

from schemas.generate import rendered


@pytest.mark.parametrize("path,text", sorted(rendered().items()), ids=lambda v: getattr(v, "name", ""))
def test_generated_file_matches_the_models(path, text):
    assert path.exists(), f"{path} is missing; run `make schemas`"
    assert path.read_text() == text, f"{path} drifted from the models; run `make schemas`"
