"""What the public may see of an appeal."""

from shared.contracts.events import AppealAccepted


def may_disclose(appeal: AppealAccepted) -> bool:
    """Private appeals are never listed; they are looked up only with their inquiry code."""
    return not appeal.private
