"""The AppealAccepted event, built the same way for the rules' and an operator's acceptance."""

from datetime import datetime
from uuid import UUID

from services.intake.domain.validators import CheckedPetitioner
from shared.contracts.events import AppealAccepted, Classification, Contact
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype


def accepted_event(
    *,
    appeal_id: UUID,
    tracking_number: str,
    channel: Channel,
    channel_message_id: str,
    appeal_type: AppealType,
    subtype: RequestSubtype | None,
    category: str,
    district: str,
    description: str,
    private: bool,
    business_line: bool,
    petitioner: CheckedPetitioner,
    address: str | None,
    classification: Classification,
    inquiry_code_hash: str | None,
    accepted_at: datetime,
    decided_by: str | None = None,
) -> AppealAccepted:
    """What downstream needs to route and to contact; never the ID number or the credit code."""
    return AppealAccepted(
        appeal_id=appeal_id, tracking_number=tracking_number, channel=channel,
        channel_message_id=channel_message_id,
        appeal_type=appeal_type, subtype=subtype, category=category, district=district,
        description=description, private=private, business_line=business_line,
        enterprise=petitioner.enterprise, classification=classification, accepted_at=accepted_at,
        contact=Contact(name=petitioner.name, phone=petitioner.phone, address=address,
                        enterprise_name=petitioner.enterprise_name),
        inquiry_code_hash=inquiry_code_hash, decided_by=decided_by,
    )
