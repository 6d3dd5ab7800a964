"""Loading the programme's list of GP practices and their partnerships in one step, and undoing it.

Citywide admins only (and the command line). `apply_import` reads the uploaded file again and matches it afresh
(`app.services.practice_import`), never trusting a preview a form posted back, then in one transaction: creates
the partnerships the admin chose to create (as `content.add_partnership` does, through `lcp_admin.create_lcp`),
links each practice the file gives a new or different partnership (confirmed by "programme", with the import,
the source sentence and the time, so `flask seed` leaves it), keeps every practice's link before and after in
`PracticeImport.changes`, writes one audit record and commits. Practices the file leaves out keep their links.

`keep_upload` keeps a file between the preview and applying it, in the database, so whichever app host answers
the "Apply" reads the same bytes; applying with its token removes it in the same commit, and a kept file is
removed after a day.

`undo_import` puts each practice back as it was before the import, unless it has changed since (linked by hand,
or by a later import): those are left and listed. A partnership the import created is removed only when nothing
refers to it any more. An import is undone once.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.clock import london_today, utcnow
from app.commands import Actor, CommandRefused, NotFound
from app.commands.content import require_admin
from app.extensions import db
from app.models import GpPractice, Lcp, PracticeImport, PracticeUpload
from app.page_cache import public_change
from app.services import audit, lcp_admin, practice_import
from app.services.practice_import import FileProblem, Preview, import_changes, link_state, still_as_imported

# How long an uploaded file waits to be applied before it is removed.
KEEP_UPLOAD = timedelta(days=1)


def keep_upload(actor: Actor, data: bytes, filename: str, agreed_on: date | None) -> str:
    """Keep an uploaded file for its preview; returns the random token that applying it needs. The person's earlier
    kept files, and anyone's older than a day, go."""
    require_admin(actor)
    if actor.user is None:
        raise CommandRefused(_("Only a member of staff signed in to the site can upload a file"))
    db.session.execute(
        delete(PracticeUpload).where(
            (PracticeUpload.created_at < utcnow() - KEEP_UPLOAD) | (PracticeUpload.staff_user_id == actor.user.id)
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PracticeUpload(
            token=token, staff_user_id=actor.user.id, filename=filename[:200], agreed_on=agreed_on, data=data
        )
    )
    db.session.commit()
    return token


def kept_upload(actor: Actor, token: str) -> PracticeUpload | None:
    """The file this person kept under `token` within the last day; None when it is gone or not theirs."""
    if actor.user is None or not token:
        return None
    return db.session.scalar(
        select(PracticeUpload).where(
            PracticeUpload.token == token,
            PracticeUpload.staff_user_id == actor.user.id,
            PracticeUpload.created_at >= utcnow() - KEEP_UPLOAD,
        )
    )


def discard_upload(actor: Actor, token: str) -> None:
    """Remove a kept file (one that can no longer be read, or the person's own)."""
    if actor.user is not None and token:
        db.session.execute(
            delete(PracticeUpload).where(PracticeUpload.token == token, PracticeUpload.staff_user_id == actor.user.id)
        )
        db.session.commit()


@dataclass
class Applied:
    """What an import did."""

    record: PracticeImport
    preview: Preview
    created: list[Lcp] = field(default_factory=list)


def apply_import(
    actor: Actor,
    data: bytes,
    filename: str,
    agreed_on: date | None = None,
    create_lcps: list[str] | None = None,
    upload_token: str = "",
) -> Applied:
    """Read the file, match it, and link every practice it gives a new or different partnership, in one commit.

    Refused (CommandRefused, nothing written) when the file cannot be read, when its dates disagree, or when it
    would change nothing."""
    require_admin(actor)
    try:
        preview = practice_import.read_and_preview(data, filename, agreed_on, create_lcps or [])
    except FileProblem as problem:
        raise CommandRefused(problem.message) from None
    if preview.problems:
        raise CommandRefused(preview.problems[0])
    if not preview.changes:
        raise CommandRefused(_("The file changes no practice’s partnership, so there is nothing to apply"))
    user = actor.user
    record = PracticeImport(
        filename=filename[:200],
        agreed_on=preview.agreed_on,
        made_by_id=user.id if user is not None else None,
        made_by_label=actor.label,
        row_count=preview.row_count,
    )
    db.session.add(record)
    db.session.flush()
    created: dict[str, Lcp] = {}
    changes: list[dict[str, Any]] = []
    for unknown in preview.create:
        lcp = lcp_admin.create_lcp(unknown.name, unknown.shown_short_name)
        created[unknown.key] = lcp
        changes.append({"kind": "partnership", "lcp_id": lcp.id, "slug": lcp.slug, "name": lcp.name})
    now = utcnow()
    source = practice_import.source_text(preview.agreed_on, london_today())
    for planned in preview.changes:
        practice = planned.practice
        target = planned.after if planned.after is not None else created[planned.create_key]
        before = link_state(practice)
        practice.lcp = target
        practice.lcp_source, practice.lcp_note = source, ""
        practice.lcp_confirmed_by, practice.lcp_import_id = "programme", record.id
        practice.lcp_linked_at = now
        practice.lcp_linked_by_id = user.id if user is not None else None
        db.session.flush()
        changes.append(
            {
                "kind": "practice",
                "practice_id": practice.id,
                "ods": practice.ods_code,
                "name": practice.name,
                "row": planned.row,
                "pcn": planned.pcn,
                "before": before,
                "after": link_state(practice),
            }
        )
    record.changes = json.dumps(changes, ensure_ascii=False)
    counts = preview.counts()
    audit.record(
        "practice.import",
        obj=record,
        summary=f"{filename}: {preview.summary()}",
        after={
            **counts,
            "agreed_on": preview.agreed_on.isoformat() if preview.agreed_on else None,
            "created": [lcp.slug for lcp in created.values()],
        },
        **actor.audit,
    )
    if upload_token:
        db.session.execute(delete(PracticeUpload).where(PracticeUpload.token == upload_token))
    public_change(db.session)
    db.session.commit()
    return Applied(record, preview, list(created.values()))


@dataclass
class Undone:
    """What undoing an import did, and what it left because it had changed since."""

    record: PracticeImport
    restored: list[dict[str, Any]] = field(default_factory=list)
    # Practices changed since the import (by hand or by a later import), left as they are now.
    left: list[dict[str, Any]] = field(default_factory=list)
    removed_lcps: list[str] = field(default_factory=list)
    # Partnerships the import created that something now refers to, so they stay.
    kept_lcps: list[str] = field(default_factory=list)


def _referred_to(lcp: Lcp) -> bool:
    """Whether any row of any table points at the partnership (practices, areas, staff, followers, redirects, …)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column.table.name == "lcp" and key.column.name == "id" for key in column.foreign_keys):
                count = db.session.scalar(select(func.count()).select_from(table).where(column == lcp.id))
                if count:
                    return True
    return False


def undo_import(actor: Actor, import_id: int) -> Undone:
    """Put back every practice the import changed, unless it changed again since; remove the partnerships it created
    that nothing refers to. One audit record, one commit."""
    require_admin(actor)
    record = db.session.get(PracticeImport, import_id)
    if record is None:
        raise NotFound()
    if record.undone_at is not None:
        raise CommandRefused(_("This import has already been undone"))
    result = Undone(record)
    changes = import_changes(record)
    for change in changes:
        if change.get("kind") != "practice":
            continue
        practice = db.session.get(GpPractice, change["practice_id"])
        if practice is None or not still_as_imported(practice, change["after"]):
            result.left.append(change)
            continue
        before = change["before"]
        lcp_id = before.get("lcp_id")
        if lcp_id is not None and db.session.get(Lcp, lcp_id) is None:
            # The partnership it had before is gone (merged or removed since): nothing to put back.
            result.left.append(change)
            continue
        practice.lcp = db.session.get(Lcp, lcp_id) if lcp_id is not None else None
        practice.lcp_source = before.get("lcp_source") or ""
        practice.lcp_note = before.get("lcp_note") or ""
        practice.lcp_confirmed_by = before.get("lcp_confirmed_by") or ""
        practice.lcp_import_id = before.get("lcp_import_id")
        practice.lcp_linked_at = _when(before.get("lcp_linked_at"))
        practice.lcp_linked_by_id = before.get("lcp_linked_by_id")
        result.restored.append(change)
    db.session.flush()
    for change in changes:
        if change.get("kind") != "partnership":
            continue
        lcp = db.session.get(Lcp, change["lcp_id"])
        if lcp is None:
            continue
        db.session.expire(lcp)
        if _referred_to(lcp):
            result.kept_lcps.append(lcp.slug)
        else:
            result.removed_lcps.append(lcp.slug)
            db.session.delete(lcp)
    record.undone_at = utcnow()
    record.undone_by_label = actor.label
    audit.record(
        "practice.import_undo",
        obj=record,
        summary=(
            f"import {record.id} ({record.filename}) undone: {len(result.restored)} practices put back, "
            f"{len(result.left)} changed since and left, {len(result.removed_lcps)} partnerships removed, "
            f"{len(result.kept_lcps)} kept"
        ),
        before={"practices": [c["ods"] or c["name"] for c in result.restored]},
        after={
            "left": [c["ods"] or c["name"] for c in result.left],
            "removed_partnerships": result.removed_lcps,
            "kept_partnerships": result.kept_lcps,
        },
        **actor.audit,
    )
    public_change(db.session)
    db.session.commit()
    return result


def _when(value: Any) -> datetime | None:
    """A time as `audit.snapshot` wrote it (ISO text), back as a datetime; None stays None."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None
