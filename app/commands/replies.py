"""Commands on reply templates: adding, changing and deleting one, and its versions in other languages.

A template belongs to one partnership, whose staff manage it, or to none (citywide), which only citywide admins (and
the command line) manage; another partnership's template reads as one that does not exist. Every change is audited
(`reply-template.…`) and committed here; `app.services.reply_templates` holds the reads and building blocks.
"""

from __future__ import annotations

from app.commands import Actor, CommandRefused, Forbidden, NotFound, require_edit
from app.extensions import db
from app.models import Lcp, ReplyTemplate
from app.services import audit, reply_templates, translations


def _may_manage(actor: Actor, lcp_id: int | None) -> None:
    """Staff of the partnership (NotFound for another's, Forbidden for a viewer); a citywide template: admins only."""
    if lcp_id is not None:
        require_edit(actor, lcp_id)
        return
    if actor.trusted:
        return
    if actor.user is None or not actor.user.is_admin:
        raise Forbidden()


def _checked(title: str, body: str, status: str) -> tuple[str, str, str]:
    title, body, status = title.strip(), body.strip(), status.strip()
    if not title:
        raise CommandRefused("Enter a title for the template")
    if not body:
        raise CommandRefused("Write the reply the template starts from")
    if len(title) > reply_templates.TITLE_LIMIT or len(body) > reply_templates.BODY_LIMIT:
        raise CommandRefused("Shorten the template")
    if status and status not in reply_templates.STATUSES:
        raise CommandRefused("Choose what the reply does to the status")
    return title, body, status


def _language(language: str) -> None:
    if language not in translations.other_languages():
        raise NotFound()


def create_template(actor: Actor, lcp: Lcp | None, title: str, body: str, status: str = "") -> ReplyTemplate:
    """A new template for a partnership (None: citywide), with the status a reply from it moves the item to ("":
    the usual rule)."""
    _may_manage(actor, lcp.id if lcp else None)
    title, body, status = _checked(title, body, status)
    template = reply_templates.create(lcp, title, body, status, actor.user)
    audit.record(
        "reply-template.create",
        obj=template,
        summary=f"Reply template “{title}” for {lcp.name if lcp else 'every partnership'}",
        after=reply_templates.kept(template),
        **actor.audit,
    )
    db.session.commit()
    return template


def update_template(actor: Actor, template: ReplyTemplate, title: str, body: str, status: str = "") -> bool:
    """Change a template's title, words or status; False, writing nothing, when nothing changed."""
    _may_manage(actor, template.lcp_id)
    title, body, status = _checked(title, body, status)
    before = reply_templates.kept(template)
    if before == {"title": title, "body": body, "status": status}:
        return False
    reply_templates.update(template, title, body, status)
    old, new = audit.changed(before, reply_templates.kept(template))
    audit.record(
        "reply-template.update", obj=template, summary=f"Reply template “{title}”", before=old, after=new, **actor.audit
    )
    db.session.commit()
    return True


def delete_template(actor: Actor, template: ReplyTemplate) -> None:
    """Delete a template and its translations; replies already published from it stay as they are."""
    _may_manage(actor, template.lcp_id)
    audit.record(
        "reply-template.delete",
        obj=template,
        summary=f"Reply template “{template.title}” deleted",
        before=reply_templates.kept(template),
        **actor.audit,
    )
    db.session.delete(template)
    db.session.commit()


def save_template_translation(actor: Actor, template: ReplyTemplate, language: str, body: str) -> None:
    """The template's words in another of the site's languages, new or changed."""
    _may_manage(actor, template.lcp_id)
    _language(language)
    body = body.strip()
    if not body:
        raise CommandRefused("Write the reply in this language, or remove the translation")
    row = reply_templates.translation(template, language)
    before = {"body": row.body} if row else {}
    reply_templates.save_translation(template, language, body)
    audit.record(
        "reply-template.translation",
        obj=template,
        summary=f"reply-template.translation into {language}",
        before=before,
        after={"language": language, "body": body},
        **actor.audit,
    )
    db.session.commit()


def remove_template_translation(actor: Actor, template: ReplyTemplate, language: str) -> bool:
    """Remove the template's version in `language`; False, writing nothing, when there is none."""
    _may_manage(actor, template.lcp_id)
    _language(language)
    row = reply_templates.translation(template, language)
    if row is None:
        return False
    audit.record(
        "reply-template.translation-remove",
        obj=template,
        summary=f"translation into {language} removed",
        before={"language": language, "body": row.body},
        **actor.audit,
    )
    template.translations.remove(row)
    db.session.delete(row)
    db.session.commit()
    return True
