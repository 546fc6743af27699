from schemas.events import ActivityKind
from services.scorer.domain.qualification import qualify


def test_a_demo_request_is_sales_ready_at_once_as_hot():
    decision = qualify(ActivityKind.DEMO_REQUEST)
    assert decision is not None
    assert (decision.reason, decision.tier) == ("fast_track:demo_request", "hot")


def test_a_page_view_alone_does_not_qualify():
    assert qualify(ActivityKind.PAGE_VIEW) is None
