"""Registering interest, confirming it, preferences, unsubscribing, the private calendar and follow buttons.

Links in emails carry signed tokens (`app.services.tokens`), so nobody needs a password. Opening one sets
a signed cookie that lets the follow buttons on public pages recognise the person; the public pages
themselves never read it, so they stay the same for everyone and can be cached.
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from app import languages
from app.commands import Actor, CommandRefused
from app.commands import people as people_commands
from app.commands import webhooks as webhook_commands
from app.engage import engage
from app.engage.forms import (
    WEBHOOK_EVENT_CHOICES,
    CalendarForm,
    ConfirmForm,
    EmailOnlyForm,
    PreferencesForm,
    RegisterForm,
    WebhookForm,
)
from app.extensions import csrf, limiter
from app.forms import CONTROL, csrf_failed, keeps_input, text_limit, valid_submission
from app.htmx import wants_fragment
from app.links import absolute_url_for
from app.models import Follower, Lcp, Topic, WebhookEndpoint
from app.public.feeds import calendar_response
from app.services import directory, people, webhooks
from app.services.feeds import calendar_meetings_followed, topics_across_leeds
from app.services.tokens import LinkProblem, Purpose, make_token, read_token

COOKIE = "lcp_follower"
COOKIE_DAYS = 365


def personal(view):
    """A page for one person: never cached, and its address (a token) never sent on as a referrer."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def recognised_follower() -> Follower | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return read_token(token, Purpose.COOKIE)
    except LinkProblem:
        return None


def remember(response: BaseResponse, follower: Follower) -> BaseResponse:
    response.set_cookie(
        COOKIE,
        make_token(follower, Purpose.COOKIE),
        max_age=COOKIE_DAYS * 24 * 3600,
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
    return response


def follower_from(token: str, purpose: Purpose) -> Follower | Response:
    """The person a link names, or the page that explains why the link did not work."""
    try:
        follower = read_token(token, purpose)
    except LinkProblem as problem:
        return make_response(render_template("engage/link_problem.html", reason=problem.reason, purpose=purpose), 400)
    languages.prefer(follower.language)
    return follower


def _as(follower: Follower) -> Actor:
    """The person a signed link or cookie names, acting on their own registration (their network address is not
    kept: nothing a person does here is in the audit log)."""
    return Actor.follower(follower.id)


# Registering ----------------------------------------------------------------------------------------------------


def _prefill(form: RegisterForm) -> None:
    """Choices arriving in the query string (`?lcp=…&topic=…&kind=organisation&areas=…`), from follow links and
    /match. The areas an organisation typed on /match fill its areas box, cut to the box's limit and without
    hidden control characters."""
    form.lcps.preselect(request.args.getlist("lcp"))
    form.topics.preselect(request.args.getlist("topic"))
    if request.args.get("kind") in {"resident", "organisation"}:
        form.kind.data = request.args["kind"]
    areas = CONTROL.sub("", request.args.get("areas", "")).strip()
    if areas:
        form.organisation_areas.data = areas[: text_limit(form.organisation_areas)]


@engage.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@keeps_input
def register():
    form = RegisterForm() if request.method == "POST" else RegisterForm(formdata=None)
    form.fill_choices()
    if request.method == "GET":
        _prefill(form)
        # Emails come in the language the person is reading the site in, unless they choose another.
        reading = str(get_locale() or "")
        languages = current_app.config["LANGUAGES"]
        form.language.data = reading if reading in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    elif valid_submission(form):
        people_commands.register(Actor.resident(), form.email.data or "", form.choices())
        return redirect(url_for("engage.check_email"))
    status = 400 if csrf_failed(form) else 200
    return render_template("engage/register.html", form=form, follower=recognised_follower()), status


@engage.get("/register/check-your-email")
def check_email() -> str:
    return render_template("engage/check_email.html")


@engage.route("/confirm/<string:token>", methods=["GET", "POST"])
@personal
def confirm(token: str) -> ResponseReturnValue:
    follower = follower_from(token, Purpose.CONFIRM)
    if isinstance(follower, Response):
        return follower
    form = ConfirmForm()
    if follower.confirmed or form.validate_on_submit():
        people_commands.confirm(_as(follower), follower)
        flash(_("You are registered. Here is what you follow: change it whenever you like."), "success")
        preferences_link = url_for("engage.preferences", token=make_token(follower, Purpose.PREFERENCES))
        return remember(redirect(preferences_link), follower)
    return render_template("engage/confirm.html", form=form, follower=follower)


# Preferences ----------------------------------------------------------------------------------------------------


@engage.route("/preferences", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@keeps_input
def preferences_request():
    """For an expired or lost link: a fresh one goes to the address if it is registered, and the page never says."""
    form = EmailOnlyForm()
    if valid_submission(form):
        people_commands.send_preferences_link(Actor.resident(), form.email.data or "")
        return redirect(url_for("engage.check_email", sent="preferences"))
    return render_template("engage/preferences_request.html", form=form)


@engage.route("/preferences/<string:token>", methods=["GET", "POST"])
@personal
@keeps_input
def preferences(token: str) -> ResponseReturnValue:
    follower = follower_from(token, Purpose.PREFERENCES)
    if isinstance(follower, Response):
        return follower
    form = PreferencesForm() if request.method == "POST" else PreferencesForm(formdata=None)
    form.fill_choices()
    if request.method == "GET":
        _show_choices(form, follower)
    elif valid_submission(form):
        people_commands.update_preferences(_as(follower), follower, form.choices())
        # A new language for emails is this page's language too, from the message that says it is saved.
        languages.prefer(follower.language)
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("engage.preferences", token=token))
    calendar_form = CalendarForm(formdata=None, partners_only=follower.calendar_partners_only)
    return _preferences_page(follower, token, form, calendar_form, 400 if csrf_failed(form) else 200)


def _show_choices(form: PreferencesForm, follower: Follower) -> None:
    """The form as the person's saved choices fill it."""
    form.lcps.data = [lcp.slug for lcp in follower.lcps]
    form.topics.data = [topic.slug for topic in follower.topics]
    form.interests.data = follower.interest_list
    form.frequency.data = follower.frequency
    form.language.data = follower.language
    form.topic_scope.data = follower.topic_scope


def _preferences_page(
    follower: Follower,
    token: str,
    form: PreferencesForm,
    calendar_form: CalendarForm,
    status: int,
    webhook_form: WebhookForm | None = None,
    added: webhook_commands.Added | None = None,
) -> BaseResponse:
    calendar_url = absolute_url_for("engage.private_calendar", token=make_token(follower, Purpose.CALENDAR))
    response = make_response(
        render_template(
            "engage/preferences.html",
            form=form,
            calendar_form=calendar_form,
            follower=follower,
            token=token,
            calendar_url=calendar_url,
            webcal_url="webcal:" + calendar_url.partition(":")[2],
            topics_across_leeds=topics_across_leeds(follower),
            **_webhooks_section(follower, webhook_form, added),
        ),
        status,
    )
    return remember(response, follower)


# Webhooks, for organisations --------------------------------------------------------------------------------------


def _takes_webhooks(follower: Follower) -> bool:
    return follower.kind == "organisation" and follower.confirmed


def _webhook_form(follower: Follower, formdata: bool = True) -> WebhookForm:
    form = WebhookForm() if formdata else WebhookForm(formdata=None)
    form.existing = tuple(endpoint.url for endpoint in webhooks.endpoints_of(follower))
    form.limit = webhook_commands.max_endpoints()
    return form


def _webhooks_section(
    follower: Follower, webhook_form: WebhookForm | None, added: webhook_commands.Added | None
) -> dict[str, Any]:
    """What the preferences page shows of an organisation's webhooks (nothing for a resident)."""
    if not _takes_webhooks(follower):
        return {"webhooks_shown": False}
    endpoints = webhooks.endpoints_of(follower)
    return {
        "webhooks_shown": True,
        "webhook_form": webhook_form or _webhook_form(follower, formdata=False),
        "webhook_endpoints": [
            {"endpoint": endpoint, "log": webhooks.delivery_log(endpoint), "waiting": webhooks.waiting(endpoint)}
            for endpoint in endpoints
        ],
        "webhook_added": added,
        "webhook_limit": webhook_commands.max_endpoints(),
        "webhook_event_labels": {
            **{choice.value: choice.label for choice in WEBHOOK_EVENT_CHOICES},
            webhooks.TEST_EVENT: _("Test event"),
        },
    }


def _organisation_from(token: str) -> Follower | Response:
    follower = follower_from(token, Purpose.PREFERENCES)
    if not isinstance(follower, Response) and not _takes_webhooks(follower):
        abort(404)
    return follower


def _endpoint_of(follower: Follower, endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhooks.endpoint_of(follower, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _preferences_with(follower: Follower, token: str, status: int, **webhook: Any) -> BaseResponse:
    form = PreferencesForm(formdata=None)
    form.fill_choices()
    _show_choices(form, follower)
    calendar_form = CalendarForm(formdata=None, partners_only=follower.calendar_partners_only)
    return _preferences_page(follower, token, form, calendar_form, status, **webhook)


@engage.post("/preferences/<string:token>/webhooks")
@limiter.limit("20 per hour")
@personal
@keeps_input
def add_webhook(token: str) -> ResponseReturnValue:
    """Add an endpoint. The page that answers shows its secret, this once; it is never shown again."""
    follower = _organisation_from(token)
    if isinstance(follower, Response):
        return follower
    webhook_form = _webhook_form(follower)
    if valid_submission(webhook_form):
        try:
            added = webhook_commands.add_endpoint(
                _as(follower),
                follower,
                webhook_form.webhook_url.data or "",
                list(webhook_form.webhook_events.data or []),
            )
        except CommandRefused:
            # Only when the address changed or another endpoint was added between the form's check and now.
            webhook_form.webhook_url.errors = [_("We could not add this endpoint. Check the address and try again")]
        else:
            return _preferences_with(follower, token, 200, added=added)
    return _preferences_with(follower, token, 400 if csrf_failed(webhook_form) else 200, webhook_form=webhook_form)


def _endpoint_action(token: str, endpoint_id: int, act: Any) -> ResponseReturnValue:
    follower = _organisation_from(token)
    if isinstance(follower, Response):
        return follower
    endpoint = _endpoint_of(follower, endpoint_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _preferences_with(follower, token, 400)
    message = act(follower, endpoint)
    flash(message, "success")
    return redirect(url_for("engage.preferences", token=token, _anchor="webhooks"))


@engage.post("/preferences/<string:token>/webhooks/<int:endpoint_id>/remove")
@personal
def remove_webhook(token: str, endpoint_id: int) -> ResponseReturnValue:
    def act(follower: Follower, endpoint: WebhookEndpoint) -> str:
        url = endpoint.url
        webhook_commands.remove_endpoint(_as(follower), follower, endpoint)
        return _("The endpoint %(url)s is removed. We send it nothing more.", url=url)

    return _endpoint_action(token, endpoint_id, act)


@engage.post("/preferences/<string:token>/webhooks/<int:endpoint_id>/resume")
@personal
def resume_webhook(token: str, endpoint_id: int) -> ResponseReturnValue:
    def act(follower: Follower, endpoint: WebhookEndpoint) -> str:
        webhook_commands.resume_endpoint(_as(follower), follower, endpoint)
        return _("The endpoint %(url)s is on again. What waited for it is sent next.", url=endpoint.url)

    return _endpoint_action(token, endpoint_id, act)


@engage.post("/preferences/<string:token>/webhooks/<int:endpoint_id>/send-test")
@limiter.limit("30 per hour")
@personal
def test_webhook(token: str, endpoint_id: int) -> ResponseReturnValue:
    def act(follower: Follower, endpoint: WebhookEndpoint) -> str:
        try:
            webhook_commands.send_test(_as(follower), follower, endpoint)
        except CommandRefused:
            return _("The endpoint %(url)s is paused. Turn it on again, then send a test event.", url=endpoint.url)
        return _(
            "A test event is on its way to %(url)s. It appears in the delivery log once it is sent, usually within "
            "a minute.",
            url=endpoint.url,
        )

    return _endpoint_action(token, endpoint_id, act)


@engage.post("/preferences/<string:token>/calendar")
@personal
@keeps_input
def calendar_choice(token: str) -> ResponseReturnValue:
    """The private calendar's choice, saved on its own, so the rest of the page's choices stay as they are."""
    follower = follower_from(token, Purpose.PREFERENCES)
    if isinstance(follower, Response):
        return follower
    calendar_form = CalendarForm()
    if valid_submission(calendar_form):
        people_commands.update_calendar(_as(follower), follower, bool(calendar_form.partners_only.data))
        flash(_("Your calendar choice is saved."), "success")
        return redirect(url_for("engage.preferences", token=token, _anchor="calendar"))
    form = PreferencesForm(formdata=None)
    form.fill_choices()
    _show_choices(form, follower)
    return _preferences_page(follower, token, form, calendar_form, 400)


def _as_json(follower: Follower) -> str:
    return json.dumps(people.export(follower), ensure_ascii=False, indent=2)


# What a person can download, by file extension: its type and how it is written.
DOWNLOADS = {"json": ("application/json", _as_json), "csv": ("text/csv", people.export_csv)}


@engage.get("/preferences/<string:token>/my-data.<any(json, csv):extension>")
@personal
def download(token: str, extension: str) -> ResponseReturnValue:
    follower = follower_from(token, Purpose.PREFERENCES)
    if isinstance(follower, Response):
        return follower
    mimetype, write = DOWNLOADS[extension]
    response = Response(write(follower), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="my-lcp-data.{extension}"'
    return response


@engage.route("/preferences/<string:token>/delete", methods=["GET", "POST"])
@personal
def delete(token: str) -> ResponseReturnValue:
    follower = follower_from(token, Purpose.PREFERENCES)
    if isinstance(follower, Response):
        return follower
    form = ConfirmForm()
    if form.validate_on_submit():
        people_commands.delete_follower(_as(follower), follower)
        response = redirect(url_for("engage.deleted"))
        response.delete_cookie(COOKIE)
        return response
    return render_template("engage/delete.html", form=form, follower=follower, token=token)


@engage.get("/deleted")
def deleted() -> str:
    return render_template("engage/deleted.html")


# Unsubscribing --------------------------------------------------------------------------------------------------


@engage.route("/unsubscribe/<string:token>", methods=["GET", "POST"])
@csrf.exempt
@personal
def unsubscribe(token: str) -> ResponseReturnValue:
    """One click: a mail client POSTs `List-Unsubscribe=One-Click` here with no page visit (RFC 8058).

    It needs no CSRF token (a mail client has none); the signed token in the address is the authority,
    and stopping emails is the only thing it can do.
    """
    follower = follower_from(token, Purpose.UNSUBSCRIBE)
    if isinstance(follower, Response):
        return follower
    if request.method == "POST":
        people_commands.unsubscribe(_as(follower), follower)
        if request.form.get("List-Unsubscribe") == "One-Click":
            return Response(_("You are unsubscribed."), mimetype="text/plain")
        return render_template(
            "engage/unsubscribed.html",
            preferences_link=url_for("engage.preferences", token=make_token(follower, Purpose.PREFERENCES)),
        )
    return render_template("engage/unsubscribe.html", follower=follower)


# The private calendar -------------------------------------------------------------------------------------------


@engage.get("/calendar/<string:token>.ics")
def private_calendar(token: str) -> Response:
    try:
        follower = read_token(token, Purpose.CALENDAR)
    except LinkProblem:
        abort(404)
    # The calendar is the person's own: in the language they chose for emails, each meeting saying why it is there.
    with force_locale(follower.language):
        followed = calendar_meetings_followed(follower)
        response = calendar_response(
            _("Meetings you follow"),
            _(
                "The meetings of the Local Care Partnerships and topics you follow, from the Leeds Local Care "
                "Partnerships website. It changes when you change what you follow."
            ),
            [entry.meeting for entry in followed],
            reasons={entry.meeting.id: entry.why.sentences() for entry in followed},
        )
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Follow buttons -------------------------------------------------------------------------------------------------


def _followable(kind: str, slug: str) -> Lcp | Topic:
    if kind == "lcp":
        return directory.get_lcp_or_404(slug)
    if kind == "topic":
        return directory.get_topic_or_404(slug)
    abort(404)


def _follow_fragment(kind: str, thing: Lcp | Topic, follower: Follower | None) -> Response:
    following = follower is not None and thing in (follower.lcps if kind == "lcp" else follower.topics)
    response = make_response(
        render_template(
            "partials/follow_button.html",
            kind=kind,
            thing=thing,
            follower=follower,
            following=following,
            form=ConfirmForm(),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@engage.get("/follow/<string:kind>/<string:slug>")
def follow_button(kind: str, slug: str) -> Response:
    """The personal part of a public page: a toggle for a recognised person, a way to register for anyone else."""
    return _follow_fragment(kind, _followable(kind, slug), recognised_follower())


@engage.post("/follow/<string:kind>/<string:slug>")
def follow(kind: str, slug: str) -> BaseResponse:
    thing = _followable(kind, slug)
    follower = recognised_follower()
    if follower is None:
        wanted: dict[str, Any] = {kind: slug}
        return redirect(url_for("engage.register", **wanted))
    on = request.form.get("follow") == "yes"
    people_commands.follow(_as(follower), follower, thing, on)
    if wants_fragment():
        return _follow_fragment(kind, thing, follower)
    # Without scripts the answer is shown on the preferences page: public pages never show personal messages.
    flash(
        _("You follow %(name)s.", name=_name(thing)) if on else _("You no longer follow %(name)s.", name=_name(thing)),
        "success",
    )
    return redirect(url_for("engage.preferences", token=make_token(follower, Purpose.PREFERENCES)))


@engage.post("/follow")
def follow_chosen() -> BaseResponse:
    """Follow several partnerships and topics in one step (from /match or a prefilled registration page)."""
    follower = recognised_follower()
    lcp_slugs, topic_slugs = request.form.getlist("lcp"), request.form.getlist("topic")
    if follower is None:
        return redirect(url_for("engage.register", lcp=lcp_slugs, topic=topic_slugs))
    lcps, topics = people.lcps_by_slug(lcp_slugs), people.topics_by_slug(topic_slugs)
    people_commands.follow_many(_as(follower), follower, lcps, topics)
    flash(_("You now follow what you chose."), "success")
    return redirect(url_for("engage.preferences", token=make_token(follower, Purpose.PREFERENCES)))


def _name(thing: Lcp | Topic) -> str:
    return thing.name if isinstance(thing, Lcp) else thing.label
