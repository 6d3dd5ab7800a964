"""Forms of a partnership's staff pages: its public facts, its priorities and linking GP practices.

The rules for reading the boxes (one area a line, "Name | kind", outward codes) live in
`app.services.lcp_content`; the validators here turn its problems into field messages.
"""

from __future__ import annotations

from collections.abc import Callable

from email_validator import EmailNotValidError
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.fields import Field
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import CheckboxesField, Form, clean_text, options
from app.models import Lcp
from app.numbers import whole_number as plain_number
from app.services import lcp_content, targets, themes
from app.services.lcp_content import ContentProblem
from app.services.people import normalise_email


def plain_text(_form: BaseForm, field: Field) -> None:
    """No hidden control characters or unreadable bytes in anything shown on a public page."""
    clean_text(field)


def read_with(reader):
    """A validator that reads the box with a service rule and shows its problem beside the field."""

    def validate(_form: BaseForm, field: Field) -> None:
        try:
            reader(field.data)
        except ContentProblem as problem:
            raise ValidationError(str(problem)) from None

    return validate


class LcpPageForm(Form):
    field_order = ("csrf_token", "summary", "contact_email", "areas", "districts", "partners")

    summary = TextAreaField(
        _l("Summary"),
        validators=[
            Length(max=lcp_content.SUMMARY_LIMIT, message=_l("Enter a summary of 5,000 characters or fewer")),
            plain_text,
        ],
    )
    contact_email = StringField(
        _l("Contact email address (optional)"),
        validators=[Length(max=200, message=_l("Enter an email address of 200 characters or fewer"))],
    )
    areas = TextAreaField(_l("Areas it covers"), validators=[plain_text, read_with(lcp_content.area_names)])
    districts = StringField(
        _l("Postcode districts"),
        validators=[Length(max=1000), read_with(lcp_content.district_codes)],
    )
    partners = TextAreaField(_l("Partners"), validators=[plain_text, read_with(lcp_content.partner_rows)])

    def validate_contact_email(self, field: Field) -> None:
        if not (field.data or "").strip():
            return
        try:
            normalise_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Enter an email address in the correct format, like name@example.org")) from None

    def fill(self, facts: dict) -> None:
        """Shows what is saved now, one item a line."""
        self.summary.data = facts["summary"]
        self.contact_email.data = facts["contact_email"]
        self.areas.data = "\n".join(facts["areas"])
        self.districts.data = " ".join(facts["districts"])
        self.partners.data = "\n".join(facts["partners"])

    def changes(self) -> lcp_content.PageChanges:
        email = (self.contact_email.data or "").strip()
        return lcp_content.PageChanges(
            summary=(self.summary.data or "").strip(),
            contact_email=normalise_email(email) if email else None,
            areas=lcp_content.area_names(self.areas.data),
            districts=lcp_content.district_codes(self.districts.data),
            partners=lcp_content.partner_rows(self.partners.data),
        )


class PriorityForm(Form):
    field_order = ("csrf_token", "title", "summary", "topics")

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title for the priority")),
            Length(max=200, message=_l("Enter a title of 200 characters or fewer")),
            plain_text,
        ],
    )
    summary = TextAreaField(
        _l("Summary (optional)"),
        validators=[Length(max=2000, message=_l("Enter a summary of 2,000 characters or fewer")), plain_text],
    )
    topics = CheckboxesField(
        _l("Topics"), unknown_message=_l("We do not know a topic called “{values}”. Choose from the list.")
    )

    def fill_choices(self) -> None:
        self.topics.choices = options((topic.slug, topic.label) for topic in lcp_content.all_topics())


class PracticeLinkForm(Form):
    field_order = ("csrf_token", "ods", "source", "note")

    ods = StringField(
        _l("ODS code of the practice"),
        validators=[DataRequired(_l("Enter the practice’s ODS code, like B86003")), Length(max=20)],
    )
    source = StringField(
        _l("Where the link comes from"),
        validators=[
            DataRequired(_l("Say where the link comes from, like “The LCP’s practice list, 2026”")),
            Length(max=500, message=_l("Enter a source of 500 characters or fewer")),
            plain_text,
        ],
    )
    note = StringField(
        _l("Note shown beside the practice (optional)"),
        validators=[Length(max=500, message=_l("Enter a note of 500 characters or fewer")), plain_text],
    )

    def validate_ods(self, field: Field) -> None:
        if (field.data or "").strip() and lcp_content.practice_by_ods(field.data) is None:
            raise ValidationError(
                _("No Leeds GP practice has the ODS code %(code)s", code=lcp_content.normalise_ods(field.data))
            )


def whole_number(low: int, high: int, message: object) -> Callable[[BaseForm, Field], None]:
    """A box for a whole number: what was typed stays as typed, and anything else gets `message`."""

    def validate(_form: BaseForm, field: Field) -> None:
        text = (field.data or "").strip()
        number = plain_number(text, len(str(high)))
        if number is None or not low <= number <= high:
            raise ValidationError(str(message))

    return validate


class ThemeAlertForm(Form):
    """When the team hears that one topic is coming up: this many items within this many days."""

    field_order = ("csrf_token", "count", "days")

    count = StringField(
        _l("Number of items"),
        validators=[whole_number(2, themes.MAX_COUNT, _l("Enter a whole number of items from 2 to 500, such as 5"))],
    )
    days = StringField(
        _l("Number of days"),
        validators=[whole_number(1, themes.MAX_DAYS, _l("Enter a whole number of days from 1 to 366, such as 14"))],
    )

    def fill(self, lcp: Lcp) -> None:
        self.count.data, self.days.data = str(lcp.theme_alert_count), str(lcp.theme_alert_days)

    def values(self) -> dict[str, int]:
        return {"theme_alert_count": int(self.count.data or ""), "theme_alert_days": int(self.days.data or "")}


class ResponseTargetForm(Form):
    """How many working days the partnership aims to take to first answer an item."""

    field_order = ("csrf_token", "days")

    days = StringField(
        _l("Number of working days"),
        validators=[
            whole_number(
                1,
                targets.MOST_TARGET_DAYS,
                _l("Enter a whole number of working days from 1 to 65, such as 10"),
            )
        ],
    )

    def fill(self, lcp: Lcp) -> None:
        self.days.data = str(lcp.response_target_days)

    def value(self) -> int:
        return int(self.days.data or "")
