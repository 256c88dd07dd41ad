"""After a change to the read model: derive the status, and tell the public what changed."""

import hashlib
import json
from collections.abc import Sequence

from services.publication.adapters import feed
from services.publication.domain.lifecycle import is_disclosed, public_status, public_view
from services.publication.domain.row import PublicRow
from shared.contracts.events import PublicAppealUpdated
from shared.unit_of_work import UnitOfWork


def settle(row: PublicRow) -> PublicAppealUpdated | None:
    """Store the derived status and the public view's digest in the row; return the view when
    the public should hear of it.

    A redelivered or older event leaves the view, hence its digest, as it was: nothing is
    published twice. Private rows get their status stored and nothing published.
    """
    view = PublicAppealUpdated(**public_view(row)) if is_disclosed(row) else None
    body = view.model_dump(mode="json") if view else None
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest() if body else None
    status = public_status(row)
    changed = row["status"] != status or row["published_digest"] != digest
    row["status"], row["published_digest"] = status, digest
    return view if changed else None


async def publish(uow: UnitOfWork, views: Sequence[PublicAppealUpdated]) -> None:
    """Emit the views (hotline.public.v1) and append them to the HTTP feed, in this order."""
    for view in views:
        uow.emit(view)
    await feed.append(uow.conn, [(view.tracking_number, view.model_dump(mode="json")) for view in views])
