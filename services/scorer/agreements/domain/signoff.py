"""Joint sign-off rules: a version goes live only with one marketing and one sales approval."""

from collections.abc import Mapping

REQUIRED_ROLES = ("marketing", "sales")


class SignoffError(Exception):
    """A sign-off step that the rules refuse; `status` is the HTTP status it maps to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def approval_role(key_role: str, as_role: str | None) -> str:
    """The role an approval counts for: the key's own; an admin key must name one."""
    if key_role in REQUIRED_ROLES:
        if as_role not in (None, key_role):
            raise SignoffError(403, f"a {key_role} key approves only as {key_role}")
        return key_role
    if key_role == "admin" and as_role in REQUIRED_ROLES:
        return as_role
    if key_role == "admin":
        raise SignoffError(422, f"an admin approval must name as_role, one of {list(REQUIRED_ROLES)}")
    raise SignoffError(403, f"role {key_role!r} cannot approve; approvals come from marketing and sales")


def check_approval(status: str, approvals: Mapping[str, str], role: str, key_id: str) -> None:
    """Refuses approving a non-draft, approving a role twice, or one key approving for both roles."""
    if status != "draft":
        raise SignoffError(409, f"only a draft can be approved; this version is {status}")
    if role in approvals:
        raise SignoffError(409, f"{role} already approved this version")
    if key_id in approvals.values():
        raise SignoffError(409, "one key cannot give both approvals")


def missing_approvals(approvals: Mapping[str, str]) -> list[str]:
    """The roles whose approval is still missing."""
    return [role for role in REQUIRED_ROLES if role not in approvals]


def check_activation(status: str, approvals: Mapping[str, str]) -> None:
    if status != "draft":
        raise SignoffError(409, f"only a draft can be activated; this version is {status}")
    missing = missing_approvals(approvals)
    if missing:
        raise SignoffError(409, f"missing approval from {', '.join(missing)}")
