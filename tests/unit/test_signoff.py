import pytest

from services.scorer.agreements.domain.signoff import (
    SignoffError,
    approval_role,
    check_activation,
    check_approval,
)


def test_a_marketing_key_approves_as_marketing():
    assert approval_role("marketing", None) == "marketing"


def test_an_ops_key_cannot_approve():
    with pytest.raises(SignoffError) as err:
        approval_role("ops", None)
    assert err.value.status == 403


def test_a_sales_key_cannot_approve_as_marketing():
    with pytest.raises(SignoffError) as err:
        approval_role("sales", "marketing")
    assert err.value.status == 403


def test_an_admin_approval_must_name_the_role_it_counts_for():
    assert approval_role("admin", "sales") == "sales"
    with pytest.raises(SignoffError):
        approval_role("admin", None)


def test_one_key_cannot_give_both_approvals():
    with pytest.raises(SignoffError, match="both"):
        check_approval("draft", {"marketing": "key-1"}, "sales", "key-1")


def test_an_active_version_cannot_be_approved_again():
    with pytest.raises(SignoffError) as err:
        check_approval("active", {}, "sales", "key-1")
    assert err.value.status == 409


def test_activation_needs_both_approvals():
    with pytest.raises(SignoffError, match="missing approval from sales"):
        check_activation("draft", {"marketing": "key-1"})
    check_activation("draft", {"marketing": "key-1", "sales": "key-2"})
