"""Forms where people take part. Every message says what went wrong and what to do, in the person's words."""

from __future__ import annotations

from email_validator import EmailNotValidError
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app import languages
from app.forms import CheckboxesField, Form, options
from app.services import directory, webhooks
from app.services.people import CONSENTS, Choices, lcps_by_slug, normalise_email, topics_by_slug

INTEREST_CHOICES = options(
    [
        ("news", _l("News and meeting dates")),
        ("invitations", _l("Invitations to meetings and events")),
        ("volunteer", _l("Ways to get involved or volunteer")),
        ("contact", _l("To be contacted by the partnership’s team")),
    ]
)
FREQUENCY_CHOICES = options(
    [
        ("weekly", _l("Once a week")),
        ("monthly", _l("Once a month")),
        ("none", _l("No emails: I will use my calendar link and the website")),
    ]
)
KIND_CHOICES = options(
    [
        ("resident", _l("Myself, as someone who lives or works in Leeds")),
        ("organisation", _l("An organisation or group")),
    ]
)
ORGANISATION_TYPE_CHOICES = options(
    [
        ("community-group", _l("Community group")),
        ("charity", _l("Charity or voluntary organisation")),
        ("faith-group", _l("Faith group")),
        ("housing", _l("Housing provider")),
        ("statutory", _l("Statutory body, such as the council or the NHS")),
        ("business", _l("Business")),
        ("other", _l("Another kind of organisation")),
    ]
)
REACH_CHOICES = options(
    [
        ("local", _l("Part of Leeds")),
        ("citywide", _l("The whole city")),
    ]
)
# Where followed topics bring meetings and updates from; the legend reads "Topics: news from…".
TOPIC_SCOPE_CHOICES = options(
    [
        ("followed", _l("the partnerships you follow")),
        ("leeds", _l("across Leeds")),
    ]
)


class FollowChoicesForm(Form):
    """What a person follows and how they hear about it: shared by registering and by the preferences page."""

    lcps = CheckboxesField(
        _l("Local Care Partnerships"),
        unknown_message=_l("We do not know a partnership called “{values}”. Choose from the list."),
    )
    topics = CheckboxesField(
        _l("Topics"), unknown_message=_l("We do not know a topic called “{values}”. Choose from the list.")
    )
    topic_scope = RadioField(
        _l("Topics: news from…"), choices=TOPIC_SCOPE_CHOICES, default="followed", validate_choice=False
    )
    interests = CheckboxesField(_l("What would you like?"), choices=INTEREST_CHOICES)
    frequency = RadioField(
        _l("How often should we email you?"),
        choices=FREQUENCY_CHOICES,
        validators=[InputRequired(_l("Choose how often we should email you"))],
    )
    language = SelectField(_l("Language for emails"), default="en_GB")

    def fill_choices(self) -> None:
        self.lcps.choices = options((lcp.slug, lcp.name) for lcp in directory.all_lcps())
        self.topics.choices = options((topic.slug, topic.shown_label) for topic in directory.all_topics())
        self.language.choices = options(
            (code, languages.NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]
        )

    def validate_lcps(self, field: Field) -> None:
        # Shown on the partnerships, the first of the two lists.
        if not field.data and not field.errors and not self.topics.data:
            raise ValidationError(_l("Choose at least one partnership or topic to follow"))

    def validate_topic_scope(self, field: Field) -> None:
        if field.data not in {choice.value for choice in TOPIC_SCOPE_CHOICES}:
            raise ValidationError(
                _l("Choose whether your topics bring news from the partnerships you follow or from across Leeds")
            )

    def choices(self) -> Choices:
        return Choices(
            lcps=lcps_by_slug(self.lcps.data or []),
            topics=topics_by_slug(self.topics.data or []),
            interests=list(self.interests.data or []),
            frequency=self.frequency.data,
            language=self.language.data,
            topic_scope=self.topic_scope.data,
        )


class RegisterForm(FollowChoicesForm):
    # The order of the page, which the error summary follows.
    field_order = (
        "csrf_token",
        "email",
        "kind",
        "organisation_name",
        "organisation_type",
        "organisation_reach",
        "organisation_areas",
        "lcps",
        "topics",
        "topic_scope",
        "interests",
        "frequency",
        "language",
        "consent",
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=_l("Enter an email address of 254 characters or fewer")),
        ],
    )
    kind = RadioField(
        _l("Who are you registering for?"),
        choices=KIND_CHOICES,
        validators=[InputRequired(_l("Choose whether you are registering for yourself or an organisation"))],
    )
    organisation_name = StringField(
        _l("Name of the organisation"),
        validators=[Length(max=200, message=_l("Enter an organisation name of 200 characters or fewer"))],
    )
    organisation_type = RadioField(
        _l("What kind of organisation is it?"), choices=ORGANISATION_TYPE_CHOICES, validate_choice=False
    )
    organisation_reach = RadioField(_l("Where does it work?"), choices=REACH_CHOICES, validate_choice=False)
    organisation_areas = TextAreaField(
        _l("Which areas does it serve? (optional)"),
        validators=[Length(max=1000, message=_l("Enter 1,000 characters or fewer about the areas it serves"))],
    )
    consent = BooleanField(
        CONSENTS["emails"], validators=[DataRequired(_l("Tick the box to agree, or we cannot send you anything"))]
    )

    def validate_email(self: Form, field: Field) -> None:  # share and staff entry forms use it too
        if not field.data:
            return
        try:
            normalise_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address in the correct format, like name@example.com")) from None

    def validate_organisation_name(self, field: Field) -> None:
        if self.kind.data == "organisation" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the name of the organisation"))

    def validate_organisation_type(self, field: Field) -> None:
        if self.kind.data != "organisation":
            return
        if field.data not in {choice.value for choice in ORGANISATION_TYPE_CHOICES}:
            raise ValidationError(_l("Choose what kind of organisation it is"))

    def validate_organisation_reach(self, field: Field) -> None:
        if self.kind.data != "organisation":
            return
        if field.data not in {choice.value for choice in REACH_CHOICES}:
            raise ValidationError(_l("Choose whether it works in part of Leeds or the whole city"))

    def choices(self) -> Choices:
        chosen = super().choices()
        chosen.kind = self.kind.data
        chosen.organisation_name = self.organisation_name.data or ""
        chosen.organisation_type = self.organisation_type.data or ""
        chosen.organisation_reach = self.organisation_reach.data or ""
        chosen.organisation_areas = self.organisation_areas.data or ""
        return chosen


class PreferencesForm(FollowChoicesForm):
    pass


class CalendarForm(Form):
    """The private calendar's one choice, beside its link on the preferences page."""

    partners_only = BooleanField(_l("Include meetings the public cannot attend"))


class EmailOnlyForm(Form):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=_l("Enter an email address of 254 characters or fewer")),
        ],
    )

    validate_email = RegisterForm.validate_email


class ConfirmForm(Form):
    """A button only. Confirming and deleting are POSTs, so a link checker that opens a link changes nothing."""


# Webhooks, on an organisation's preferences page -----------------------------------------------------------------

WEBHOOK_EVENT_CHOICES = options(
    [
        ("meeting.published", _l("A meeting is published")),
        ("meeting.changed", _l("A published meeting changes or is withdrawn")),
        ("decision.recorded", _l("A decision is recorded on a meeting’s agenda item")),
        ("update.published", _l("An update is published")),
        ("response.published", _l("A reply to what residents shared is published")),
    ]
)
# Why an address cannot receive webhooks (`app.services.webhooks.Refused.reason`), in the person's words.
WEBHOOK_URL_PROBLEMS = {
    "scheme": _l("Enter an address that starts with https://"),
    "credentials": _l("Enter an address without a user name or password in it"),
    "host": _l("Enter a full web address, like https://example.org/webhooks"),
    "port": _l("Enter a full web address, like https://example.org/webhooks"),
    "unresolved": _l("We could not find the server in that address. Check the address and try again"),
    "private": _l(
        "That address leads to a private or local network, which our webhooks cannot reach. Enter an address on "
        "the public internet"
    ),
}


class WebhookForm(Form):
    """Add an endpoint: its address and the events it should hear of. The view sets `existing` (the addresses the
    organisation has already) and `limit` (how many it may have)."""

    field_order = ("csrf_token", "webhook_url", "webhook_events")
    webhook_url = StringField(
        _l("Endpoint address"),
        validators=[
            DataRequired(_l("Enter the address of your endpoint")),
            Length(max=500, message=_l("Enter an address of 500 characters or fewer")),
        ],
    )
    webhook_events = CheckboxesField(
        _l("Which events should we send?"),
        choices=WEBHOOK_EVENT_CHOICES,
        unknown_message=_l("We do not know an event called “{values}”. Choose from the list."),
    )

    existing: tuple[str, ...] = ()
    limit: int = 5

    def validate_webhook_url(self, field: Field) -> None:
        url = (field.data or "").strip()
        if not url or len(url) > 500:
            return
        if len(self.existing) >= self.limit:
            raise ValidationError(
                _l("You have %(limit)s endpoints, the most we allow. Remove one to add another", limit=self.limit)
            )
        if url in self.existing:
            raise ValidationError(_l("You already have an endpoint at this address"))
        try:
            webhooks.check_url(url)
        except webhooks.Refused as refused:
            raise ValidationError(WEBHOOK_URL_PROBLEMS[refused.reason]) from None

    def validate_webhook_events(self, field: Field) -> None:
        if not field.data and not field.errors:
            raise ValidationError(_l("Choose at least one event to send"))
