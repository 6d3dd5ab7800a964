"""Sharing what is happening locally (/share), the receipt, tracking (/track) and adding to a submission.

Nothing here reads or stores who sent a submission unless they chose to leave an email address: the
views log no addresses, and the only record tied to the network address is the rate limiter's short-lived
count, kept apart from submissions. The receipt code reaches the receipt page through the session
cookie, never the address bar, so it does not land in logs or browser history on its way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.lists import format_list
from flask import (
    Response,
    abort,
    current_app,
    g,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.clock import utcnow
from app.commands import Actor
from app.commands import sharing as sharing_commands
from app.engage import engage
from app.engage.forms import ConfirmForm
from app.engage.share_forms import FollowUpForm, ShareForm, TrackForm
from app.engage.views import personal
from app.extensions import db, limiter
from app.forms import csrf_failed, csrf_message, keeps_input, valid_submission
from app.htmx import wants_fragment
from app.models import AgendaItem, GpPractice, Submission, SubmissionContact
from app.numbers import database_id
from app.services import finder, safety, sharing
from app.services.tokens import LinkProblem, read_contact_token

RECEIPT = "share_receipt"


def keeps_input_on_limit(view):
    """Mark a form view that, when a rate limit refuses a POST, shows the form again with what was typed."""
    view.keeps_input_on_limit = True
    return view


def _resident() -> Actor:
    """Whoever uses the form or a receipt link: nobody signs in to share. Without their network address, which
    nothing here keeps."""
    return Actor.resident()


def share_limit() -> str:
    return current_app.config["SHARE_LIMIT"]


def _stored(response: Response) -> bool:
    """Only a stored submission (a redirect to its receipt) counts towards the limit."""
    return response.status_code == 303


# Making it safe to speak -----------------------------------------------------------------------------------------

# Where urgent help is, for the templates (engage/_help.html): from app/data/help-contacts.json, never typed in one.
engage.add_app_template_global(safety.help_contacts, "help_contacts")

# How the note under the box names each kind of personal detail found in it.
DETAIL_NAMES = {
    safety.EMAIL: _l("an email address"),
    safety.PHONE: _l("a phone number"),
    safety.NHS_NUMBER: _l("an NHS number"),
    safety.POSTCODE: _l("a postcode"),
    safety.DATE_OF_BIRTH: _l("a date of birth"),
}


@engage.app_template_global("detail_list")
def detail_list(kinds: list[str]) -> str:
    """The kinds of detail found, named and joined as the reader's language joins a list: "a phone number and an
    email address"."""
    named = [str(DETAIL_NAMES[kind]) for kind in kinds if kind in DETAIL_NAMES]
    return format_list(named, locale=get_locale() or "en_GB")


def safety_notes(text: str) -> dict[str, Any]:
    """What the form shows about what was typed: the urgent-help panel above Send when it holds an urgent phrase, and
    a note under the box naming the kinds of personal detail it holds. Neither changes or refuses anything."""
    return {
        "urgent": bool(safety.urgent_phrases(text)),
        "detail_kinds": safety.kinds_found(safety.personal_details(text)),
    }


# Finding a partnership inside the form ---------------------------------------------------------------------------


@dataclass
class LcpHint:
    """What the inline finder found, worded as firmly as the data allows."""

    query: str
    # The person's own practice, named in full, with a known partnership: its box is ticked.
    practice: GpPractice | None = None
    # Practices that may be theirs, each with its partnership if known.
    possible: list[GpPractice] = field(default_factory=list)
    district: str | None = None
    too_short: bool = False

    @property
    def found(self) -> bool:
        return self.practice is not None or bool(self.possible)


def find_lcp(form: ShareForm) -> LcpHint:
    result = finder.find(form.find_lcp.data or "")
    hint = LcpHint(query=result.query, too_short=result.too_short or not result.query, district=result.district)
    if result.practice is not None and result.practice.lcp is not None:
        hint.practice = result.practice
        chosen = list(form.lcps.data or [])
        if result.practice.lcp.slug not in chosen:
            form.lcps.data = [*chosen, result.practice.lcp.slug]
    else:
        practices = [result.practice] if result.practice else []
        # A practice can match by name and by postcode district: list it once.
        hint.possible = list(dict.fromkeys(practices + result.named_practices + result.nearby_practices))[:12]
    return hint


# Sharing ---------------------------------------------------------------------------------------------------------


def _item_from(value: str | None) -> AgendaItem | None:
    """The agenda item being commented on: only an item of a published meeting that has not finished yet."""
    item_id = database_id(value)
    if item_id is None:
        return None
    item = db.session.get(AgendaItem, item_id)
    if item is None or not item.meeting.published or item.meeting.ends_at < utcnow():
        return None
    return item


def _prefill(form: ShareForm) -> tuple[AgendaItem | None, bool]:
    """Choices from the address: `?lcp=`, `?topic=` (from LCP and topic pages), `?item=` (an agenda item) or
    `?unsure=1` (ticks "I am not sure")."""
    lcp_slugs, topic_slugs = request.args.getlist("lcp"), request.args.getlist("topic")
    asked_for_item = request.args.get("item")
    item = _item_from(asked_for_item)
    if item is not None:
        form.item.data = str(item.id)
        lcp_slugs = [item.meeting.lcp.slug]
        topic_slugs = [topic.slug for topic in item.topics]
    form.lcps.preselect(lcp_slugs)
    form.topics.preselect(topic_slugs)
    # `?unsure=1`: from a practice whose partnership is not confirmed yet ("Share anyway" in the finder).
    if request.args.get("unsure") == "1" and item is None:
        form.lcp_unsure.data = True
    return item, bool(asked_for_item) and item is None


def _page(form: ShareForm, item: AgendaItem | None, status: int = 200, **context: Any) -> Response:
    # A form sent back (without scripts, or refused) shows what the live check would have shown, in place.
    notes = safety_notes(form.body.data or "") if request.method == "POST" else {}
    return make_response(render_template("engage/share.html", form=form, item=item, **notes, **context), status)


@engage.route("/share", methods=["GET", "POST"])
@limiter.limit(share_limit, methods=["POST"], deduct_when=_stored)
@personal
@keeps_input
@keeps_input_on_limit
def share():
    form = ShareForm() if request.method == "POST" else ShareForm(formdata=None)
    form.fill_choices()
    if request.method == "GET":
        item, item_gone = _prefill(form)
        return _page(form, item, item_gone=item_gone)
    item = _item_from(form.item.data)
    if getattr(g, "limit_hit", False):
        # Shown at the top of the form, where a refused form's message goes.
        top = form.csrf_token if hasattr(form, "csrf_token") else form.body
        top.errors = [
            _(
                "You have sent several things in a short time, so we did not accept this one yet. "
                "What you wrote is below: wait a few minutes, then send it again."
            )
        ]
        return _page(form, item, 429)
    if request.form.get("action") == "find":
        hint = find_lcp(form)
        if wants_fragment():
            return render_template("partials/share_lcps.html", form=form, hint=hint)
        return _page(form, item, hint=hint)
    if not valid_submission(form):
        return _page(form, item, 400 if csrf_failed(form) or form.leave_empty.errors else 200)
    try:
        shared = sharing_commands.share(_resident(), form.share_input(item))
    except sharing.TooManyFromAddress:
        form.email.errors = [
            _(
                "This email address has sent %(number)s things in the last hour. Wait an hour, or choose to stay "
                "anonymous and send it now",
                number=sharing.PER_ADDRESS_PER_HOUR,
            )
        ]
        return _page(form, item, 429)
    session[RECEIPT] = {
        # Only this browser session can read its words again (share_words); the cookie is signed, so it cannot be
        # changed to name another submission.
        "id": shared.submission.id,
        "code": shared.submission.receipt_code,
        "emailed": shared.submission.contact is not None,
        "repeated": shared.repeated,
        "urgent": shared.submission.urgent,
        "details": safety.kinds_found(safety.personal_details(shared.submission.body)),
    }
    return redirect(url_for("engage.share_sent"), 303)


# The fields checked as the person leaves them; choices are checked when the form is sent.
LIVE_FIELDS = {"body", "neighbourhood", "organisation_name", "people_count", "name", "email"}


@engage.post("/share/check/<string:name>")
def share_check(name: str) -> str:
    """Live validation: the form group for one field, with its message, from the whole form as typed so far.

    For what happened (the body), also the urgent-help panel above Send and the note on personal details under the
    box, swapped out of band into the places the page keeps for them (each a polite live region), emptied when what
    was typed no longer calls for them."""
    form = ShareForm()
    form.fill_choices()
    if name not in LIVE_FIELDS:
        abort(404)
    form.validate()
    if name == "body":
        return render_template("engage/share_body_check.html", form=form, **safety_notes(form.body.data or ""))
    return get_template_attribute("engage/share_fields.html", "field_group")(form, name)


@engage.get("/share/sent")
@personal
def share_sent():
    receipt = session.get(RECEIPT)
    if not receipt:
        return redirect(url_for("engage.track_lookup"))
    code = sharing.format_code(receipt["code"])
    return render_template("engage/share_sent.html", code=code, receipt=receipt)


def _sent_in_this_session() -> Submission | None:
    """The submission this browser session sent last, as its receipt names it: None for any other browser, a later
    session (the cookie goes when the browser closes), or a submission since deleted."""
    receipt = session.get(RECEIPT)
    if not isinstance(receipt, dict) or not isinstance(receipt.get("id"), int):
        return None
    submission = db.session.get(Submission, receipt["id"])
    if submission is None or submission.receipt_code != receipt.get("code"):
        return None
    return submission


@engage.get("/share/sent/what-you-sent")
@personal
def share_words() -> ResponseReturnValue:
    """What the person sent, as stored: their words, topics and partnerships. Only in the browser session that sent
    it, from the signed session cookie; never from anything in the address, so a code or link seen by someone else
    never shows the words. Personal, so never kept by the page cache or a browser's cache."""
    submission = _sent_in_this_session()
    if submission is None:
        response = make_response(render_template("engage/share_words.html", submission=None), 404)
    else:
        response = make_response(
            render_template(
                "engage/share_words.html",
                submission=submission,
                code=sharing.format_code(submission.receipt_code),
                paragraphs=[line.strip() for line in submission.body.splitlines() if line.strip()],
            )
        )
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Tracking --------------------------------------------------------------------------------------------------------


# The NHS.UK tag colour for each status.
STATUS_TAGS = {"received": "grey", "looking": "blue", "shared": "purple", "acted": "green", "closed": "white"}


def _missed(response: Response) -> bool:
    """Only codes that match nothing count towards the limit on guessing."""
    return response.status_code == 404


@engage.get("/track")
def track_lookup():
    form = TrackForm(request.args)
    if "code" in request.args and form.validate():
        code = sharing.normalise_code(form.code.data or "")
        if code is None:
            form.code.errors = [
                *form.code.errors,
                _("Enter the code as it appears on your receipt: 8 letters and numbers, like ABCD-2345"),
            ]
        else:
            return redirect(url_for("engage.track", code=sharing.format_code(code)))
    return render_template("engage/track_lookup.html", form=form)


@engage.get("/track/<string:code>")
@limiter.limit("10 per minute; 60 per hour", deduct_when=_missed)
@personal
def track(code: str) -> ResponseReturnValue:
    submission = sharing.find_by_code(code)
    if submission is None:
        return render_template("engage/track_not_found.html", code=code), 404
    canonical = sharing.format_code(submission.receipt_code)
    if code != canonical:
        return redirect(url_for("engage.track", code=canonical))
    response = make_response(
        render_template(
            "engage/track.html",
            submission=submission,
            code=canonical,
            status_wording=sharing.status_wording,
            status_label=lambda status: str(sharing.STATUS_WORDING.get(status, status)),
            status_tag=STATUS_TAGS,
            unrouted_wording=sharing.UNROUTED_WORDING,
        )
    )
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# Adding to a submission ------------------------------------------------------------------------------------------


def _contact_for(code: str, token: str) -> SubmissionContact | Response:
    """The contact a receipt link names, checked against the code in the same address."""
    try:
        contact = read_contact_token(token)
    except LinkProblem as problem:
        return make_response(render_template("engage/link_problem.html", reason=problem.reason, purpose=None), 400)
    if sharing.normalise_code(code) != contact.submission.receipt_code:
        return make_response(render_template("engage/link_problem.html", reason="invalid", purpose=None), 400)
    return contact


@engage.route("/track/<string:code>/more/<string:token>", methods=["GET", "POST"])
@personal
@keeps_input
def follow_up(code: str, token: str) -> ResponseReturnValue:
    contact = _contact_for(code, token)
    if isinstance(contact, Response):
        return contact
    form = FollowUpForm()
    code = sharing.format_code(contact.submission.receipt_code)
    action = request.form.get("action", "add")
    if request.method == "POST" and action in {"stop", "delete", "delete-confirmed", "withdraw-quote"}:
        if ConfirmForm().validate_on_submit():
            if action == "stop":
                sharing_commands.stop_updates(_resident(), contact)
                return redirect(url_for("engage.follow_up", code=code, token=token, done="stopped"), 303)
            if action == "withdraw-quote":
                sharing_commands.withdraw_quote(_resident(), contact)
                return redirect(url_for("engage.follow_up", code=code, token=token, done="quote-withdrawn"), 303)
            if action == "delete":
                # The first press only asks: nothing is deleted until the person confirms.
                return _follow_up_page(form, contact, code, token, confirm_delete=True)
            sharing_commands.delete_contact(_resident(), contact)
            return redirect(url_for("engage.contact_deleted", code=code), 303)
        form.csrf_token.errors = [csrf_message()]
    elif valid_submission(form):
        added = (form.body.data or "").strip()
        sharing_commands.add_follow_up(_resident(), contact, added)
        # What they added suggests someone may be in danger: the page says where help is, at the top.
        done = "added-urgent" if safety.urgent_phrases(added) else "added"
        return redirect(url_for("engage.follow_up", code=code, token=token, done=done), 303)
    return _follow_up_page(form, contact, code, token, status=400 if csrf_failed(form) else 200)


def _follow_up_page(
    form: FollowUpForm,
    contact: SubmissionContact,
    code: str,
    token: str,
    *,
    confirm_delete: bool = False,
    status: int = 200,
) -> ResponseReturnValue:
    """The page behind the receipt link; with `confirm_delete`, only the question whether to delete the person's
    contact details, asked before anything is deleted."""
    submission = contact.submission
    return render_template(
        "engage/follow_up.html",
        form=form,
        contact=contact,
        code=code,
        token=token,
        done=None if confirm_delete else request.args.get("done"),
        confirm_delete=confirm_delete,
        quote_withdrawn=any(event.kind == "quote-withdrawn" for event in submission.events),
    ), status


@engage.get("/track/<string:code>/contact-deleted")
def contact_deleted(code: str) -> str:
    return render_template("engage/contact_deleted.html", code=code)
