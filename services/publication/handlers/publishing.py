"""After a change to the read model: store the derived status, and tell the public what changed."""

import hashlib
import json

from services.publication.adapters import feed
from services.publication.domain.lifecycle import is_disclosed, public_status, public_view
from shared.contracts.events import PublicAppealUpdated
from shared.unit_of_work import UnitOfWork

_REFRESH = """
UPDATE public_appeals SET status = $2, published_digest = $3
WHERE appeal_id = $1 AND (status IS DISTINCT FROM $2 OR published_digest IS DISTINCT FROM $3)
RETURNING appeal_id
"""


async def refresh(uow: UnitOfWork, row: dict) -> None:
    """Emit PublicAppealUpdated and append to the feed when the public view really changed.

    A redelivered or older event leaves the view, hence its digest, as it was: nothing is
    published twice. Private rows get their status stored and nothing published.
    """
    view = PublicAppealUpdated(**public_view(row)) if is_disclosed(row) else None
    body = view.model_dump(mode="json") if view else None
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest() if body else None
    changed = await uow.conn.fetchval(_REFRESH, row["appeal_id"], public_status(row), digest)
    if changed and view is not None:
        uow.emit(view)
        await feed.append(uow.conn, view.tracking_number, body)
