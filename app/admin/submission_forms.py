"""Forms of the staff page for one submission, and of entering a submission on someone's behalf.

The forms shown once per routing (its status, assignee and tags, a note, a reply) carry the routing in their
prefix, so their fields have ids of their own on a page with several; the CSRF token is the page's one, checked for
every POST by CSRFProtect, so those forms do not check it again. The work forms and the reply carry the routing's
`version` as the page drew it, so a change to an item someone else changed since is refused rather than overwriting
theirs (`app.commands.casework`).
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.engage.forms import RegisterForm
from app.engage.share_forms import body_field, neighbourhood_field, normalised, topics_field
from app.forms import Form, clean_text, options
from app.models import Lcp
from app.numbers import database_id
from app.services import closing, directory
from app.services.people import normalise_email, topics_by_slug
from app.services.sharing import BODY_LIMIT, ContactInput, ShareInput
from app.services.triage import STATUS_LABELS

NOTE_LIMIT = 5000
REPLY_LIMIT = 3000
SOURCE_CHOICES = options(
    [
        ("phone", _l("By phone")),
        ("paper", _l("On paper or by letter")),
        ("event", _l("At an event or meeting")),
    ]
)


REASON_LIMIT = 1000
TAGS_LIMIT = 300
# What a reply does to the status, as the reply form offers it; "leave" keeps the status as it is.
THEN_CHOICES = options(
    [
        ("acted", _l("Acted on")),
        ("leave", _l("Leave it as it is")),
        ("closed", _l("Closed (reason needed)")),
    ]
)


# The plain reasons as staff choose them, in English (what is stored), then "Write my own reason".
PLAIN_REASON_CHOICES = options(
    [*((reason.key, reason.english) for reason in closing.REASONS), (closing.OWN, _l("Write my own reason"))]
)
REASON_NEEDED = _l("Enter why the item is being closed: choose a reason the person reads, or write your own")


def plain_reason_field() -> SelectField:
    return SelectField(
        _l("Reason the person reads"), choices=PLAIN_REASON_CHOICES, default=closing.OWN, validate_choice=True
    )


class ClosingReason:
    """A form with a closing reason: a plain one chosen (`plain_reason`, which the person reads in their language) or
    the staff's own words (`reason`, used only with "Write my own reason")."""

    plain_reason: SelectField
    reason: StringField

    @property
    def reason_given(self) -> str:
        """The reason for the command: the chosen plain sentence (English, as stored), else the words typed."""
        return closing.sentence(self.plain_reason.data) or (self.reason.data or "").strip()

    def check_own_words(self) -> None:
        """Words typed beside a chosen plain reason would be lost: refused, so the person says which they meant."""
        if self.plain_reason.data != closing.OWN and (self.reason.data or "").strip():
            raise ValidationError(_l("Choose “Write my own reason” to use your own words, or empty this box"))

    def reason_refused(self, refusal: Exception) -> None:
        """Show the command's refusal of a closing: with no reason, beside the choice, saying to choose or write one;
        otherwise beside the words."""
        if self.reason_given:
            self.reason.errors = [*self.reason.errors, str(refusal)]
        else:
            self.plain_reason.errors = [*self.plain_reason.errors, str(REASON_NEEDED)]


class Versioned:
    """A form drawn from one version of a routing (`Routing.version`), which it sends back."""

    version: HiddenField

    @property
    def drawn_from(self) -> int | None:
        """The version the form was drawn from; None when it did not say (a page from before versions existed)."""
        return database_id(self.version.data or "")


class ItemStatusForm(ClosingReason, Versioned, Form):
    class Meta:
        csrf = False

    field_order = ("status", "plain_reason", "reason")
    status = SelectField(
        _l("Status"),
        choices=options(STATUS_LABELS.items()),
        validate_choice=True,
    )
    plain_reason = plain_reason_field()
    reason = StringField(
        _l("Your own words"),
        validators=[
            Length(max=REASON_LIMIT, message=_l("Shorten the reason to %(limit)s characters or fewer", limit="1,000"))
        ],
    )
    version = HiddenField()

    def validate_reason(self, field: Field) -> None:
        clean_text(field)
        self.check_own_words()


class ItemAssignForm(Versioned, Form):
    class Meta:
        csrf = False

    field_order = ("assignee",)
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    # Set by the "Assign to me" button.
    to_me = HiddenField()
    version = HiddenField()


class ItemTagsForm(Versioned, Form):
    class Meta:
        csrf = False

    field_order = ("tags",)
    tags = StringField(
        _l("Tags"),
        validators=[
            Length(max=TAGS_LIMIT, message=_l("Shorten the tags to %(limit)s characters or fewer", limit=TAGS_LIMIT))
        ],
    )
    version = HiddenField()

    def validate_tags(self, field: Field) -> None:
        clean_text(field)


class NoteForm(Form):
    class Meta:
        csrf = False

    field_order = ("body",)
    body = TextAreaField(
        _l("Add a note"),
        validators=[
            DataRequired(_l("Write the note")),
            Length(max=NOTE_LIMIT, message=_l("Shorten the note to %(limit)s characters or fewer", limit="5,000")),
        ],
    )

    def validate_body(self, field: Field) -> None:
        clean_text(field)


class RespondForm(ClosingReason, Versioned, Form):
    class Meta:
        csrf = False

    field_order = ("you_said", "we_did", "quote_words", "then", "plain_reason", "reason")
    you_said = TextAreaField(
        _l("You said"),
        validators=[
            DataRequired(_l("Write what the person told the partnership, in a sentence or two")),
            Length(max=REPLY_LIMIT, message=_l("Shorten “You said” to %(limit)s characters or fewer", limit="3,000")),
        ],
    )
    we_did = TextAreaField(
        _l("We did"),
        validators=[
            DataRequired(_l("Write what the partnership did about it")),
            Length(max=REPLY_LIMIT, message=_l("Shorten “We did” to %(limit)s characters or fewer", limit="3,000")),
        ],
    )
    quote_words = BooleanField(_l("Show their own words with the reply (they agreed to this)"))
    then = RadioField(_l("Then set the status to"), choices=THEN_CHOICES, validators=[Optional()])
    plain_reason = plain_reason_field()
    reason = StringField(
        _l("Your own words"),
        validators=[
            Length(max=REASON_LIMIT, message=_l("Shorten the reason to %(limit)s characters or fewer", limit="1,000"))
        ],
    )
    version = HiddenField()

    def validate_you_said(self, field: Field) -> None:
        clean_text(field)

    def validate_we_did(self, field: Field) -> None:
        clean_text(field)

    def validate_reason(self, field: Field) -> None:
        clean_text(field)
        self.check_own_words()

    @property
    def then_status(self) -> str | None:
        """The status the reply moves the item to: a status, "" to leave it, None for the usual rule (nothing
        chosen)."""
        return {"acted": "acted", "closed": "closed", "leave": ""}.get(self.then.data or "")


class ShareWithForm(Form):
    field_order = ("csrf_token", "lcp")
    lcp = SelectField(_l("Share with another partnership"), validate_choice=False)

    def fill_choices(self, lcps: list[Lcp]) -> None:
        self.lcp.choices = options([("", _l("Choose a partnership")), *((lcp.slug, lcp.name) for lcp in lcps)])
        self.allowed = {lcp.slug: lcp for lcp in lcps}

    def validate_lcp(self, field: Field) -> None:
        if field.data not in getattr(self, "allowed", {}):
            raise ValidationError(_l("Choose a partnership it has not been shared with yet"))

    @property
    def chosen(self) -> Lcp:
        return self.allowed[self.lcp.data]


class DuplicateForm(Form):
    field_order = ("csrf_token", "code")
    code = StringField(
        _l("Receipt code of the other submission"),
        validators=[DataRequired(_l("Enter the receipt code of the other submission, like ABCD-2345"))],
    )


class EntryForm(Form):
    """What someone said by phone, on paper or at an event, typed in by staff."""

    body_limit = BODY_LIMIT
    field_order = (
        "csrf_token",
        "source",
        "body",
        "topics",
        "lcp",
        "neighbourhood",
        "may_publish_words",
        "name",
        "email",
        "may_contact",
        "wants_updates",
        "may_share",
    )
    source = RadioField(
        _l("How did they tell you?"),
        choices=SOURCE_CHOICES,
        validators=[InputRequired(_l("Choose whether it came by phone, on paper or at an event"))],
    )
    body = body_field(_l("What did they say?"), _l("Enter what they said"))
    topics = topics_field()
    lcp = SelectField(_l("Which partnership should hear it?"), validate_choice=False)
    neighbourhood = neighbourhood_field()
    may_publish_words = BooleanField(_l("They agreed that their words may be quoted on this website, without a name"))
    name = StringField(
        _l("Their name (optional)"),
        validators=[Length(max=200, message=_l("Enter a name of 200 characters or fewer"))],
    )
    email = EmailField(
        _l("Their email address (optional)"),
        validators=[Length(max=254, message=_l("Enter an email address of 254 characters or fewer"))],
    )
    may_contact = BooleanField(_l("They agreed that staff may email them to ask about it"))
    wants_updates = BooleanField(_l("They asked to be emailed when its status changes or the partnership replies"))
    may_share = BooleanField(
        _l("They agreed that staff may pass their words and email address to the partnership’s partner organisations")
    )
    form_key = HiddenField()

    def fill_choices(self, lcps: list[Lcp]) -> None:
        self.lcp.choices = options([("", _l("Choose a partnership")), *((lcp.slug, lcp.name) for lcp in lcps)])
        self.allowed = {lcp.slug: lcp for lcp in lcps}
        self.topics.choices = options((topic.slug, topic.label) for topic in directory.all_topics())
        if not self.form_key.data:
            self.form_key.data = secrets.token_urlsafe(24)

    def validate_body(self, field: Field) -> None:
        clean_text(field)

    def validate_neighbourhood(self, field: Field) -> None:
        clean_text(field)

    def validate_name(self, field: Field) -> None:
        clean_text(field)

    def validate_lcp(self, field: Field) -> None:
        if field.data not in getattr(self, "allowed", {}):
            raise ValidationError(_l("Choose the partnership that should hear it"))

    def validate_email(self, field: Field) -> None:
        if not (field.data or "").strip():
            if self.may_contact.data or self.wants_updates.data or self.may_share.data:
                raise ValidationError(_l("Enter their email address, or untick the choices that need one"))
            return
        RegisterForm.validate_email(self, field)

    def share_input(self) -> ShareInput:
        contact = None
        if (self.email.data or "").strip():
            contact = ContactInput(
                email=normalise_email(self.email.data or ""),
                name=normalised(self.name.data),
                may_contact=bool(self.may_contact.data),
                may_share=bool(self.may_share.data),
                wants_updates=bool(self.wants_updates.data),
            )
        return ShareInput(
            body=normalised(self.body.data),
            lcps=[self.allowed[self.lcp.data]],
            topics=topics_by_slug(self.topics.data or []),
            neighbourhood=normalised(self.neighbourhood.data),
            may_publish_words=bool(self.may_publish_words.data),
            contact=contact,
            form_key=self.form_key.data or None,
            source=self.source.data,
        )
