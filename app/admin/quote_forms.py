"""The form of the redaction step (`quote_views`): which personal details found to remove, and other words to
remove (names, streets, anything else that could identify someone)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.fields import Field
from wtforms.validators import Length

from app.forms import CheckboxesField, Form, clean_text, options
from app.services import quoting, safety

WORDS_LIMIT = 2000


class QuoteForm(Form):
    """Sent by either button, "Preview" or "Save the prepared words" (their `action` value says which)."""

    field_order = ("csrf_token", "remove", "words")
    remove = CheckboxesField(
        _l("Personal details found"),
        unknown_message=_l("Choose from the details found in their words"),
    )
    words = TextAreaField(
        _l("Other words to remove"),
        validators=[
            Length(
                max=WORDS_LIMIT,
                message=_l("Shorten the words to remove to %(limit)s characters or fewer", limit="2,000"),
            )
        ],
    )

    def fill_choices(self, details: list[safety.Detail]) -> None:
        self.remove.choices = options((detail.key, quoting.choice_label(detail)) for detail in details)

    def validate_words(self, field: Field) -> None:
        clean_text(field)
