"""Forms of the pages only citywide admins use: staff accounts, topics, partnerships and the audit log search."""

from __future__ import annotations

from typing import Self, cast

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.forms import CheckboxesField, Form, SelectChoice, options
from app.services import directory

ROLE_CHOICES = options(
    [
        ("staff", _l("LCP staff: edits and triages their partnerships")),
        ("viewer", _l("Viewer: reads their partnerships, changes nothing")),
        ("admin", _l("Citywide admin: everything, including staff accounts")),
    ]
)


class AccessForm(Form):
    """A role and, except for admins, at least one partnership."""

    field_order: tuple[str, ...] = ("role", "lcps")

    role = RadioField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired(_l("Choose a role"))])
    lcps = CheckboxesField(
        _l("Partnerships"), unknown_message=_l("We do not know a partnership called “{values}”. Choose from the list.")
    )

    def fill_choices(self) -> Self:
        self.lcps.choices = options((lcp.slug, lcp.name) for lcp in directory.all_lcps())
        return self

    def validate_lcps(self, field: Field) -> None:
        if self.role.data in ("staff", "viewer") and not field.data and not field.errors:
            raise ValidationError(_l("Choose at least one partnership for LCP staff and viewers"))


class StaffNewForm(AccessForm):
    field_order = ("name", "email", "role", "lcps")

    name = StringField(_l("Full name"), validators=[InputRequired(_l("Enter the person’s name")), Length(max=200)])
    email = EmailField(
        _l("Work email address"),
        validators=[InputRequired(_l("Enter the person’s work email address")), Length(max=254)],
    )


class TopicForm(Form):
    field_order = ("label", "summary")

    label = StringField(
        _l("Name of the topic"),
        validators=[
            InputRequired(_l("Enter the name of the topic")),
            Length(max=120, message=_l("Enter a name of 120 characters or fewer")),
        ],
    )
    summary = TextAreaField(_l("Summary (optional)"), validators=[Optional(), Length(max=2000)])


class LcpNewForm(Form):
    field_order = ("name", "short_name", "summary")

    name = StringField(
        _l("Full name of the partnership"),
        validators=[InputRequired(_l("Enter the partnership’s full name")), Length(max=200)],
    )
    short_name = StringField(
        _l("Short name"),
        validators=[InputRequired(_l("Enter the short name used inside a sentence")), Length(max=120)],
    )
    summary = TextAreaField(_l("Summary (optional)"), validators=[Optional(), Length(max=5000)])


class LcpRenameForm(Form):
    field_order = ("name", "short_name", "slug")

    # The same fields as LcpNewForm's, told as the type checker sees a field declared in a class body.
    name = cast(StringField, LcpNewForm.name)
    short_name = cast(StringField, LcpNewForm.short_name)
    slug = StringField(
        _l("Web address name"),
        validators=[InputRequired(_l("Enter the web address name")), Length(max=80)],
    )


class LcpMergeForm(Form):
    field_order = ("target", "confirm")

    target = SelectField(
        _l("Merge into"),
        validators=[InputRequired(_l("Choose the partnership to merge into"))],
        validate_choice=False,
    )
    confirm = BooleanField(
        _l("I understand that this partnership will be removed and everything it holds moved. It cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm the merge"))],
    )

    def validate_target(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in cast("list[SelectChoice]", field.choices)}:
            raise ValidationError(_l("Choose the partnership to merge into"))


class AuditSearchForm(Form):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    action = SelectField(_l("Kind of action"), choices=[], validate_choice=False)


class SafeguardingForm(Form):
    """Whether a member of staff is a safeguarding contact for their partnerships (admins set it)."""

    field_order = ("csrf_token", "safeguarding")

    safeguarding = BooleanField(_l("Safeguarding contact for their partnerships: emailed at once about urgent items"))
