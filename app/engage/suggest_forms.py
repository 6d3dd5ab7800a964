"""The form where a resident tells us which partnership their GP practice belongs to: one box, nothing personal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import Form
from app.services.practice_coverage import SUGGESTION_LIMIT


class SuggestForm(Form):
    field_order = ("csrf_token", "partnership")

    partnership = StringField(
        _l("Partnership name"),
        validators=[
            DataRequired(_l("Enter the name of the partnership")),
            Length(
                max=SUGGESTION_LIMIT,
                message=_l("Shorten the partnership name to %(limit)s characters or fewer", limit=SUGGESTION_LIMIT),
            ),
        ],
    )
