"""Emails to people who follow, written from templates in their own language and queued in the outbox.

Each email has a plain-text part (`email/<name>.txt`) and an HTML part (`email/<name>.html`). Every email
to a confirmed person carries a link to their preferences and a one-click unsubscribe link, in the body
and in the `List-Unsubscribe` and `List-Unsubscribe-Post` headers (RFC 8058), so a mail client can
unsubscribe them with no page visit. Emails about a submission go to the address its sender left
(`send_to_contact`), with links to track it and add to it.

Each `send_*` only queues the email in the caller's transaction; the commands (`app.commands`) call them and
commit the email together with the change that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.links import absolute_url_for
from app.models import Follower, OutboxMessage, Submission
from app.services import outbox
from app.services.tokens import Purpose, make_token

SUBJECTS = {
    "confirm": _l("Confirm your email address for Leeds Local Care Partnerships"),
    "already-registered": _l("You are already registered with Leeds Local Care Partnerships"),
    "preferences-link": _l("Your link to change what you get from Leeds Local Care Partnerships"),
    "digest": _l("What is new in the Local Care Partnerships you follow"),
    "receipt": _l("Your receipt: we have received what you shared"),
    "status-changed": _l("News about what you shared with a Local Care Partnership"),
    "reply-published": _l("A Local Care Partnership has replied to what you shared"),
    "decision-recorded": _l("What was decided on the agenda item you commented on"),
}


@dataclass(frozen=True)
class PersonalLinks:
    """The signed links every email to a confirmed person carries."""

    preferences: str
    unsubscribe: str
    calendar: str

    @classmethod
    def for_follower(cls, follower: Follower) -> PersonalLinks:
        return cls(
            preferences=absolute_url_for("engage.preferences", token=make_token(follower, Purpose.PREFERENCES)),
            unsubscribe=absolute_url_for("engage.unsubscribe", token=make_token(follower, Purpose.UNSUBSCRIBE)),
            calendar=absolute_url_for("engage.private_calendar", token=make_token(follower, Purpose.CALENDAR)),
        )


def unsubscribe_headers(links: PersonalLinks) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{links.unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def render_email(name: str, language: str, **context: Any) -> tuple[str, str, str]:
    """The subject, text and HTML of `email/<name>`, in `language`."""
    context.setdefault("email_lang", language.replace("_", "-"))
    context.setdefault("email_dir", "rtl" if language.split("_")[0] in current_app.config["RTL_LANGUAGES"] else "ltr")
    with force_locale(language):
        subject = str(context.get("subject") or SUBJECTS[name])
        text = render_template(f"email/{name}.txt", **context)
        html = render_template(f"email/{name}.html", **context)
    return subject, text, html


def send_to_follower(follower: Follower, name: str, **context: Any) -> OutboxMessage:
    """Queue `email/<name>` for a confirmed person, with their personal links and the unsubscribe headers."""
    links = PersonalLinks.for_follower(follower)
    subject, text, html = render_email(name, follower.language, follower=follower, links=links, **context)
    return outbox.queue(
        to=follower.email,
        subject=subject,
        text=text,
        html=html,
        kind=name,
        follower=follower,
        headers=unsubscribe_headers(links),
    )


def send_confirmation(follower: Follower) -> OutboxMessage:
    """The only email an unconfirmed person ever gets: the link that confirms them."""
    link = absolute_url_for("engage.confirm", token=make_token(follower, Purpose.CONFIRM))
    subject, text, html = render_email("confirm", follower.language, follower=follower, confirm_link=link)
    return outbox.queue(to=follower.email, subject=subject, text=text, html=html, kind="confirm", follower=follower)


def send_to_contact(submission: Submission, name: str, **context: Any) -> OutboxMessage | None:
    """Queue `email/<name>` about a submission to the person who shared it, in the submission's language, with the
    links to track it and to add to it; None when they left no address."""
    from app.services.sharing import contact_links, format_code  # sharing renders its emails with this module

    contact = submission.contact
    if contact is None:
        return None
    subject, text, html = render_email(
        name,
        submission.language,
        submission=submission,
        code=format_code(submission.receipt_code),
        links=None,
        contact_links=contact_links(submission),
        **context,
    )
    return outbox.queue(to=contact.email, subject=subject, text=text, html=html, kind=name, contact=contact)
