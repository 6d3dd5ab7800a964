"""Forms of the reply templates pages: a template (its partnership, title, words and what it does to the status),
and its version in another language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import Form, clean_text, options
from app.models import Lcp
from app.services.reply_templates import BODY_LIMIT, STATUS_LABELS, TITLE_LIMIT

CITYWIDE = "citywide"


class ReplyTemplateForm(Form):
    field_order: tuple[str, ...] = ("csrf_token", "lcp", "title", "body", "status")
    lcp = SelectField(_l("Which partnership uses it"), validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title for the template")),
            Length(
                max=TITLE_LIMIT, message=_l("Shorten the title to %(limit)s characters or fewer", limit=TITLE_LIMIT)
            ),
        ],
    )
    body = TextAreaField(
        _l("What the reply says (it fills the “We did” box)"),
        validators=[
            DataRequired(_l("Write the reply the template starts from")),
            Length(max=BODY_LIMIT, message=_l("Shorten the reply to %(limit)s characters or fewer", limit="3,000")),
        ],
    )
    status = RadioField(
        _l("What a reply from it does to the status"),
        choices=options(STATUS_LABELS.items()),
        default="",
    )

    def fill_choices(self, lcps: list[Lcp], citywide: bool) -> None:
        """The partnerships the person may give a template to, and "every partnership" for a citywide admin."""
        pairs = [(CITYWIDE, _l("Every partnership (citywide)"))] if citywide else []
        pairs += [(lcp.slug, lcp.name) for lcp in lcps]
        self.lcp.choices = options([("", _l("Choose a partnership")), *pairs])
        self.allowed: dict[str, Lcp | None] = {lcp.slug: lcp for lcp in lcps}
        if citywide:
            self.allowed[CITYWIDE] = None

    def validate_lcp(self, field: Field) -> None:
        if field.data not in getattr(self, "allowed", {}):
            raise ValidationError(_l("Choose which partnership uses the template"))

    def validate_title(self, field: Field) -> None:
        clean_text(field)

    def validate_body(self, field: Field) -> None:
        clean_text(field)

    @property
    def chosen_lcp(self) -> Lcp | None:
        return self.allowed[self.lcp.data]


class ReplyTemplateTranslationForm(Form):
    field_order = ("csrf_token", "body")
    body = TextAreaField(
        _l("What the reply says in this language"),
        validators=[
            DataRequired(_l("Write the reply in this language, or remove the translation")),
            Length(max=BODY_LIMIT, message=_l("Shorten the reply to %(limit)s characters or fewer", limit="3,000")),
        ],
    )

    def validate_body(self, field: Field) -> None:
        clean_text(field)
