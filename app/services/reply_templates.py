"""Reply templates: replies a partnership's staff start from (or, with no partnership, every partnership's staff).

A template fills the "We did" box of an item's reply form and may choose the status the reply moves the item to;
staff edit the words before publishing, and choosing a template publishes nothing. A template may have a version in
each of the site's other languages (`ReplyTemplateTranslation`): an item written in that language starts from it.

Who may use one: staff of its partnership, and everyone for a citywide one. Who may change one: staff of its
partnership, and only citywide admins for a citywide one (`may_manage`). The changes are commands
(`app.commands.replies`), which audit and commit; the functions here only read and build.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import Lcp, ReplyTemplate, ReplyTemplateTranslation, Routing, StaffUser

TITLE_LIMIT = 120
BODY_LIMIT = 3000
# What a template may do to the status (besides nothing): the choices an item's reply form offers.
STATUSES = ("acted", "closed")
STATUS_LABELS = {
    "": _l("Follow the usual rule (received or looking at it becomes acted on)"),
    "acted": _l("Acted on"),
    "closed": _l("Closed (the reply form asks for the reason)"),
}


def _ordered(query: Select[ReplyTemplate]) -> Select[ReplyTemplate]:
    return query.options(selectinload(ReplyTemplate.lcp), selectinload(ReplyTemplate.translations)).order_by(
        ReplyTemplate.lcp_id.is_not(None), ReplyTemplate.title, ReplyTemplate.id
    )


def visible(user: StaffUser) -> list[ReplyTemplate]:
    """Every template the person may use: citywide ones first, then their partnerships' (admins: all)."""
    query = select(ReplyTemplate)
    if not user.is_admin:
        query = query.where(or_(ReplyTemplate.lcp_id.is_(None), ReplyTemplate.lcp_id.in_(user.lcp_ids or {-1})))
    return list(db.session.scalars(_ordered(query)))


def for_routing(routing: Routing) -> list[ReplyTemplate]:
    """The templates a reply for this routing can start from: its partnership's and the citywide ones."""
    query = select(ReplyTemplate).where(or_(ReplyTemplate.lcp_id.is_(None), ReplyTemplate.lcp_id == routing.lcp_id))
    return list(db.session.scalars(_ordered(query)))


def may_manage(user: StaffUser, template: ReplyTemplate) -> bool:
    """Whether the person may change or delete the template."""
    if not user.can_edit:
        return False
    return user.is_admin if template.lcp_id is None else user.sees(template.lcp_id)


def may_use(user: StaffUser, template: ReplyTemplate) -> bool:
    return template.lcp_id is None or user.sees(template.lcp_id)


def translation(template: ReplyTemplate, language: str) -> ReplyTemplateTranslation | None:
    return next((row for row in template.translations if row.language == language), None)


def body_in(template: ReplyTemplate, language: str) -> str:
    """The template's words in `language` when it has them, otherwise its own (English)."""
    row = translation(template, language)
    return row.body if row is not None else template.body


# Building blocks of the commands ----------------------------------------------------------------------------------


def create(lcp: Lcp | None, title: str, body: str, status: str, staff: StaffUser | None) -> ReplyTemplate:
    """A new template, added and flushed (so it has its id) in the caller's transaction."""
    template = ReplyTemplate(
        lcp_id=lcp.id if lcp else None, title=title, body=body, status=status, created_by_id=staff.id if staff else None
    )
    db.session.add(template)
    db.session.flush()
    return template


def update(template: ReplyTemplate, title: str, body: str, status: str) -> None:
    template.title, template.body, template.status = title, body, status
    template.updated_at = utcnow()


def save_translation(template: ReplyTemplate, language: str, body: str) -> ReplyTemplateTranslation:
    row = translation(template, language)
    if row is None:
        row = ReplyTemplateTranslation(template=template, language=language, body=body)
        db.session.add(row)
    else:
        row.body = body
        row.updated_at = utcnow()
    db.session.flush()
    return row


def kept(template: ReplyTemplate) -> dict[str, str]:
    """What the audit log keeps of a template."""
    return {"title": template.title, "body": template.body, "status": template.status}
