"""Commands on what staff publish about their partnership, and on what citywide admins manage besides accounts.

A partnership's own content (a staff member of the partnership, or a citywide admin; `require_edit`):

- its page facts (summary, contact, areas, postcode districts, partners), its theme alerts and its first-response
  target (shown on its public scorecard);
- its priorities (add or change, delete) and the GP practices linked to it (link, unlink);
- its meetings and updates (save as a draft, publish, withdraw) and the agenda items of a meeting (add, change,
  move, delete), where work on an example meeting makes it real (`claim`, which `meetings.record_decision` uses
  too);
- its maturity self-assessments;
- translations of its summary and of its updates (save, remove).

What only a citywide admin changes (`require_admin`): topics (add, change) and partnerships themselves (add,
rename, merge).

Each command checks who may, applies the rule (raising `CommandRefused` with the sentence the form shows, before
anything is written), audits the change with the same action names, summaries and before/after values as the
staff area always has, and commits once. The command line and scheduled work are trusted as a citywide admin.
The building blocks live in `app.services.lcp_content`, `activity`, `translations` and `lcp_admin`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.clock import utcnow
from app.commands import Actor, CommandRefused, Forbidden, NotFound, require_edit
from app.extensions import db
from app.models import (
    AgendaItem,
    GpPractice,
    Lcp,
    LcpTranslation,
    MaturityAssessment,
    Meeting,
    Priority,
    Topic,
    Update,
    UpdateTranslation,
)
from app.services import activity, audit, lcp_admin, lcp_content, targets, themes, translations, webhooks


def require_admin(actor: Actor) -> None:
    """Only a citywide admin (or the command line, or scheduled work) changes topics and partnerships themselves."""
    if actor.trusted:
        return
    if actor.user is None or not actor.user.is_admin:
        raise Forbidden()


def _is_admin(actor: Actor) -> bool:
    return actor.trusted or (actor.user is not None and actor.user.is_admin)


# A partnership's page -----------------------------------------------------------------------------------------------


def save_page(actor: Actor, lcp: Lcp, changes: lcp_content.PageChanges) -> bool:
    """The page's facts in one go (summary, contact, areas, districts, partners); returns whether anything changed.
    Audited as "lcp.edit" with only the facts that changed."""
    require_edit(actor, lcp.id)
    old, new = lcp_content.save_page(lcp, changes)
    if new:
        audit.record(
            "lcp.edit", obj=lcp, lcp_id=lcp.id, summary=f"{lcp.slug}: page facts", before=old, after=new, **actor.audit
        )
    db.session.commit()
    return bool(new)


def set_theme_alerts(actor: Actor, lcp: Lcp, theme_alert_count: int, theme_alert_days: int) -> bool:
    """How many items on one topic, within how many days, make the team hear about it; returns whether it changed."""
    require_edit(actor, lcp.id)
    if not 2 <= theme_alert_count <= themes.MAX_COUNT:
        raise CommandRefused(f"Enter a whole number of items from 2 to {themes.MAX_COUNT}, such as 5")
    if not 1 <= theme_alert_days <= themes.MAX_DAYS:
        raise CommandRefused(f"Enter a whole number of days from 1 to {themes.MAX_DAYS}, such as 14")
    before = {"theme_alert_count": lcp.theme_alert_count, "theme_alert_days": lcp.theme_alert_days}
    after = {"theme_alert_count": theme_alert_count, "theme_alert_days": theme_alert_days}
    lcp.theme_alert_count, lcp.theme_alert_days = theme_alert_count, theme_alert_days
    old, new = audit.changed(before, after)
    if new:
        audit.record(
            "lcp.theme-alerts",
            obj=lcp,
            lcp_id=lcp.id,
            summary=f"{lcp.slug}: theme alerts",
            before=old,
            after=new,
            **actor.audit,
        )
    db.session.commit()
    return bool(new)


def set_response_target(actor: Actor, lcp: Lcp, days: int) -> bool:
    """How many working days the partnership aims to take to first answer an item; returns whether it changed.

    The public scorecard states it, so the change retires the kept public pages (the content version goes up with
    any change to the partnership's row)."""
    require_edit(actor, lcp.id)
    if not 1 <= days <= targets.MOST_TARGET_DAYS:
        raise CommandRefused(f"Enter a whole number of working days from 1 to {targets.MOST_TARGET_DAYS}, such as 10")
    if lcp.response_target_days == days:
        return False
    audit.record(
        "lcp.response-target",
        obj=lcp,
        lcp_id=lcp.id,
        summary=f"{lcp.slug}: first-response target",
        before={"response_target_days": lcp.response_target_days},
        after={"response_target_days": days},
        **actor.audit,
    )
    lcp.response_target_days = days
    db.session.commit()
    return True


# Priorities ---------------------------------------------------------------------------------------------------------


def save_priority(
    actor: Actor, lcp: Lcp, priority: Priority | None, title: str, summary: str, topic_slugs: list[str]
) -> Priority:
    """Add a priority at the end of the partnership's list (`priority` None) or change one; refused when another
    priority of the partnership has the title. The partnership is stamped as edited when anything changed."""
    require_edit(actor, lcp.id)
    if priority is not None and priority.lcp_id != lcp.id:
        raise NotFound()
    problem = lcp_content.priority_title_problem(lcp, title, priority)
    if problem:
        raise CommandRefused(problem)
    creating = priority is None
    before = {} if priority is None else audit.snapshot(priority, lcp_content.PRIORITY_FIELDS)
    priority = lcp_content.set_priority(lcp, priority, title, summary, topic_slugs)
    if creating:
        audit.record(
            "priority.create",
            obj=priority,
            summary=priority.title,
            after=audit.snapshot(priority, lcp_content.PRIORITY_FIELDS),
            **actor.audit,
        )
        lcp.edited_at = utcnow()
    elif audit.record_change(
        "priority.edit", priority, before, lcp_content.PRIORITY_FIELDS, summary=priority.title, **actor.audit
    ):
        lcp.edited_at = utcnow()
    db.session.commit()
    return priority


def delete_priority(actor: Actor, priority: Priority) -> None:
    """Take a priority off the public page, keeping what it was in the audit log."""
    require_edit(actor, priority.lcp_id)
    audit.record(
        "priority.delete",
        obj=priority,
        summary=priority.title,
        before=audit.snapshot(priority, lcp_content.PRIORITY_FIELDS),
        **actor.audit,
    )
    lcp_content.delete_priority(priority)
    db.session.commit()


# GP practices -------------------------------------------------------------------------------------------------------


def link_practice(actor: Actor, lcp: Lcp, practice: GpPractice, source: str, note: str) -> None:
    """Tie a practice to the partnership, saying on whose word. One tied to another partnership moves only for a
    citywide admin (or the command line)."""
    require_edit(actor, lcp.id)
    if practice.lcp is not None and practice.lcp_id != lcp.id and not _is_admin(actor):
        raise CommandRefused(lcp_content.move_refused(practice.lcp))
    before = lcp_content.link_state(practice)
    lcp_content.link_practice(lcp, practice, source, note, actor.user)
    audit.record(
        "practice.link",
        obj=practice,
        object_id=practice.ods_code,
        lcp_id=lcp.id,
        summary=f"{practice.ods_code} {practice.name} to {lcp.slug}",
        before=before,
        after=lcp_content.link_state(practice),
        **actor.audit,
    )
    db.session.commit()


def unlink_practice(actor: Actor, lcp: Lcp, practice: GpPractice) -> None:
    """Leave a practice of this partnership with no confirmed partnership; any other practice reads as not found."""
    require_edit(actor, lcp.id)
    if practice.lcp_id != lcp.id:
        raise NotFound()
    before = lcp_content.link_state(practice)
    lcp_content.unlink_practice(practice, actor.user)
    audit.record(
        "practice.unlink",
        obj=practice,
        object_id=practice.ods_code,
        lcp_id=lcp.id,
        summary=f"{practice.ods_code} {practice.name} from {lcp.slug}",
        before=before,
        after=lcp_content.link_state(practice),
        **actor.audit,
    )
    db.session.commit()


# Meetings and updates -----------------------------------------------------------------------------------------------


def _save_activity(
    actor: Actor, row: Meeting | Update, kind: str, fields: tuple[str, ...], apply: Callable[[], str], summary: str
) -> str:
    """Apply a meeting's or update's change and audit it as "<kind>.<what happened>"."""
    new = row.id is None
    before = {} if new else audit.snapshot(row, fields)
    what = apply()
    if new:
        audit.record(f"{kind}.{what}", obj=row, summary=summary, after=audit.snapshot(row, fields), **actor.audit)
    else:
        audit.record_change(f"{kind}.{what}", row, before, fields, summary=summary, **actor.audit)
    db.session.commit()
    return what


def save_meeting(actor: Actor, meeting: Meeting, values: dict[str, Any], action: str = "save") -> str:
    """Save a meeting (a new one, `Meeting(lcp_id=…)`, is a draft unless `action` is "publish"; "withdraw" takes a
    published one back to draft). Returns what happened: created, edited, published or withdrawn."""
    require_edit(actor, meeting.lcp_id)
    summary = f"meeting “{values.get('title', meeting.title)}”"
    return _save_activity(
        actor,
        meeting,
        "meeting",
        activity.MEETING_FIELDS,
        lambda: _then_tell_webhooks(activity.apply_meeting(meeting, values, action), webhooks.meeting_saved, meeting),
        summary,
    )


def save_update(actor: Actor, update: Update, values: dict[str, Any], action: str = "save") -> str:
    """Save an update, as `save_meeting` does a meeting; publishing dates it now."""
    require_edit(actor, update.lcp_id)
    summary = f"update “{values.get('title', update.title)}”"
    return _save_activity(
        actor,
        update,
        "update",
        activity.UPDATE_FIELDS,
        lambda: _then_tell_webhooks(activity.apply_update(update, values, action), webhooks.update_saved, update),
        summary,
    )


def _then_tell_webhooks(what: str, tell: Callable[[Any, str], int], row: Meeting | Update) -> str:
    """Queue the webhooks a meeting's or update's change causes (in this transaction); returns what happened."""
    tell(row, what)
    return what


def claim(actor: Actor, meeting: Meeting) -> None:
    """Work on an example meeting makes it real, audited as "meeting.edited" (is_demo true to false). A building
    block of the commands that change a meeting's agenda (`record_decision` too): it does not commit."""
    if activity.claim(meeting):
        audit.record("meeting.edited", obj=meeting, before={"is_demo": True}, after={"is_demo": False}, **actor.audit)


def _item_changed(actor: Actor, item: AgendaItem, action: str, before: dict[str, Any] | None = None) -> None:
    """Audit a change to an item, with the partnership of its meeting, after claiming the meeting."""
    meeting = item.meeting
    claim(actor, meeting)
    kwargs = {"lcp_id": meeting.lcp_id, "summary": activity.item_summary(item), **actor.audit}
    if before is None:
        audit.record(action, obj=item, after=audit.snapshot(item, activity.ITEM_FIELDS), **kwargs)
    else:
        audit.record_change(action, item, before, activity.ITEM_FIELDS, **kwargs)
    webhooks.agenda_changed(meeting)


def add_agenda_item(actor: Actor, meeting: Meeting, values: dict[str, Any]) -> AgendaItem:
    """A new item at the end of a meeting's agenda."""
    require_edit(actor, meeting.lcp_id)
    item = activity.add_item(meeting, values)
    _item_changed(actor, item, "agenda-item.created")
    db.session.commit()
    return item


def edit_agenda_item(actor: Actor, item: AgendaItem, values: dict[str, Any]) -> None:
    require_edit(actor, item.meeting.lcp_id)
    before = audit.snapshot(item, activity.ITEM_FIELDS)
    activity.edit_item(item, values)
    _item_changed(actor, item, "agenda-item.edited", before)
    db.session.commit()


def delete_agenda_item(actor: Actor, item: AgendaItem) -> None:
    """Take an item off its meeting's agenda (with any decision on it, kept in the audit log)."""
    meeting = item.meeting
    require_edit(actor, meeting.lcp_id)
    audit.record(
        "agenda-item.deleted",
        obj=item,
        lcp_id=meeting.lcp_id,
        summary=activity.item_summary(item),
        before=audit.snapshot(item, (*activity.ITEM_FIELDS, "decision")),
        **actor.audit,
    )
    claim(actor, meeting)
    activity.remove_item(item)
    webhooks.agenda_changed(meeting)
    db.session.commit()


def move_agenda_item(actor: Actor, item: AgendaItem, direction: str) -> bool:
    """Swap an item with the one above ("up") or below ("down"); False, writing nothing, when it is already at that
    end (or the direction is neither)."""
    require_edit(actor, item.meeting.lcp_id)
    before = audit.snapshot(item, activity.ITEM_FIELDS)
    if not activity.move_item(item, direction):
        return False
    _item_changed(actor, item, "agenda-item.moved", before)
    db.session.commit()
    return True


# Maturity -----------------------------------------------------------------------------------------------------------


def add_assessment(actor: Actor, lcp: Lcp, day: date, ratings: dict[int, int], note: str = "") -> MaturityAssessment:
    """A new maturity self-assessment (`ratings` maps element ids to level ids); the partnership's page shows the
    latest. Refused on a day the partnership already has one, or with nothing rated."""
    require_edit(actor, lcp.id)
    if not ratings:
        raise CommandRefused("Choose a level for at least one part of the framework")
    if activity.assessment_on(lcp, day) is not None:
        raise CommandRefused("This partnership already has a self-assessment on that date. Choose another date")
    assessment = activity.add_assessment(lcp, day, ratings, note)
    audit.record(
        "maturity.created",
        obj=assessment,
        summary=f"maturity self-assessment of {day.isoformat()}",
        after={"assessed_on": day.isoformat(), "note": note, "ratings": activity.ratings_named(ratings)},
        **actor.audit,
    )
    db.session.commit()
    return assessment


# Translations -------------------------------------------------------------------------------------------------------


def _language(language: str) -> None:
    """Only a language the site offers, other than its own, has translations; any other reads as not found."""
    if language not in translations.other_languages():
        raise NotFound()


def _translation_saved(
    actor: Actor,
    action: str,
    owner: Lcp | Update,
    lcp_id: int,
    language: str,
    before: dict[str, Any],
    values: dict[str, str],
) -> None:
    audit.record(
        action,
        obj=owner,
        lcp_id=lcp_id,
        summary=f"{action} into {language}",
        before=before,
        after={"language": language, **values},
        **actor.audit,
    )
    db.session.commit()


def save_summary_translation(actor: Actor, lcp: Lcp, language: str, summary: str) -> LcpTranslation:
    """The partnership's summary in another language, new or changed."""
    require_edit(actor, lcp.id)
    _language(language)
    row = translations.lcp_translation(lcp, language)
    before = {"summary": row.summary} if row else {}
    row = translations.save_summary(lcp, language, summary)
    _translation_saved(actor, "lcp.translation", lcp, lcp.id, language, before, {"summary": summary})
    return row


def save_update_translation(actor: Actor, update: Update, language: str, title: str, body: str) -> UpdateTranslation:
    """An update's title and text in another language, new or changed."""
    require_edit(actor, update.lcp_id)
    _language(language)
    row = translations.update_translation(update, language)
    before = {"title": row.title, "body": row.body} if row else {}
    row = translations.save_update(update, language, title, body)
    _translation_saved(
        actor, "update.translation", update, update.lcp_id, language, before, {"title": title, "body": body}
    )
    return row


def _remove(actor: Actor, row: LcpTranslation | UpdateTranslation | None, lcp_id: int) -> bool:
    if row is None:
        return False
    audit.record(
        f"{row.__tablename__}.remove",
        obj=row,
        lcp_id=lcp_id,
        summary=f"translation into {row.language} removed",
        before={"language": row.language, **translations.kept(row)},
        **actor.audit,
    )
    translations.remove(row)
    db.session.commit()
    return True


def remove_summary_translation(actor: Actor, lcp: Lcp, language: str) -> bool:
    """Remove the summary's translation into `language`; False, writing nothing, when there is none."""
    require_edit(actor, lcp.id)
    _language(language)
    return _remove(actor, translations.lcp_translation(lcp, language), lcp.id)


def remove_update_translation(actor: Actor, update: Update, language: str) -> bool:
    """Remove an update's translation into `language`; False, writing nothing, when there is none."""
    require_edit(actor, update.lcp_id)
    _language(language)
    return _remove(actor, translations.update_translation(update, language), update.lcp_id)


# Topics (citywide admins) -------------------------------------------------------------------------------------------


def add_topic(actor: Actor, label: str, summary: str = "") -> Topic:
    """A new topic at the end of the list; refused when another topic has the label."""
    require_admin(actor)
    problem = lcp_admin.topic_label_problem(label)
    if problem:
        raise CommandRefused(problem)
    topic = lcp_admin.create_topic(label, summary)
    audit.record(
        "topic.create",
        obj=topic,
        summary=f"topic {topic.label} added",
        after=audit.snapshot(topic, lcp_admin.TOPIC_FIELDS),
        **actor.audit,
    )
    db.session.commit()
    return topic


def edit_topic(actor: Actor, topic: Topic, label: str, summary: str) -> bool:
    """New wording for a topic (its slug stays); refused when another topic has the label. Returns whether it
    changed."""
    require_admin(actor)
    problem = lcp_admin.topic_label_problem(label, topic)
    if problem:
        raise CommandRefused(problem)
    before = audit.snapshot(topic, lcp_admin.TOPIC_FIELDS)
    lcp_admin.edit_topic(topic, label, summary)
    changed = audit.record_change(
        "topic.edit", topic, before, lcp_admin.TOPIC_FIELDS, summary=f"topic {topic.label} changed", **actor.audit
    )
    db.session.commit()
    return changed


# Partnerships (citywide admins) -------------------------------------------------------------------------------------


def add_partnership(actor: Actor, name: str, short_name: str, summary: str = "") -> Lcp:
    """A new partnership, its slug made from its name."""
    require_admin(actor)
    lcp = lcp_admin.create_lcp(name, short_name, summary)
    audit.record(
        "lcp.create",
        obj=lcp,
        lcp_id=lcp.id,
        summary=f"{lcp.name} added",
        after=audit.snapshot(lcp, lcp_admin.LCP_FIELDS),
        **actor.audit,
    )
    db.session.commit()
    return lcp


def rename_partnership(actor: Actor, lcp: Lcp, name: str, short_name: str, slug: str) -> bool:
    """New names and perhaps a new slug, whose old one keeps leading to the partnership; refused for a slug that is
    malformed or another partnership's (now or before). Returns whether anything changed."""
    require_admin(actor)
    problem = lcp_admin.rename_problem(lcp, slug)
    if problem:
        raise CommandRefused(problem)
    before = audit.snapshot(lcp, lcp_admin.LCP_FIELDS)
    lcp_admin.rename_lcp(lcp, name, short_name, slug)
    changed = audit.record_change(
        "lcp.rename", lcp, before, lcp_admin.LCP_FIELDS, lcp_id=lcp.id, summary=f"renamed {lcp.name}", **actor.audit
    )
    if changed:
        lcp.edited_at = utcnow()
    db.session.commit()
    return changed


def merge_partnerships(actor: Actor, source: Lcp, target: Lcp) -> lcp_admin.MergeSummary:
    """Move everything of `source` into `target`, delete `source` and send its addresses to `target`; refused for
    a partnership merged into itself. Returns what moved and what was skipped (the target had it already)."""
    require_admin(actor)
    problem = lcp_admin.merge_problem(source, target)
    if problem:
        raise CommandRefused(problem)
    before = {"source": audit.snapshot(source, lcp_admin.LCP_FIELDS), "target": target.slug}
    old_slug = source.slug
    summary = lcp_admin.merge_lcps(source, target)
    audit.record(
        "lcp.merge",
        obj=target,
        lcp_id=target.id,
        summary=f"{old_slug} merged into {target.slug}: {summary.text()}",
        before=before,
        after={"target": target.slug, "moved": summary.moved, "skipped": summary.skipped},
        **actor.audit,
    )
    db.session.commit()
    return summary
