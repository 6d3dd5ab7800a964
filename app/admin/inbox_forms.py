"""Forms of the staff inbox: the bulk bar (one form for the ticked items), and saving or deleting a named view.

Their CSRF token is checked by Flask-WTF on every POST; a failed check answers 400. The assignee's choices are
filled by the view (who works on the person's partnerships). `back` is where to return afterwards: only an
address of the inbox itself is accepted (`back_to`). The inbox's filters and search box are plain GET forms in
the template: they change nothing, so they carry no token.
"""

from __future__ import annotations

import re

from flask import url_for
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields import Field
from wtforms.validators import Length

from app.admin.submission_forms import ClosingReason, plain_reason_field
from app.forms import Form, options
from app.services.triage import SOURCE_LABELS, STATUS_LABELS, TAGS_LIMIT

INBOX_ADDRESS = re.compile(r"/admin/inbox(\?[^\\\s#]*)?")
REASON_LONGEST = 2000

__all__ = ["SOURCE_LABELS", "STATUS_LABELS", "BulkForm", "DeleteViewForm", "SaveViewForm", "back_to"]


def back_to(value: str | None) -> str:
    """The inbox address to return to, with its filters; anything that is not the inbox gives the inbox."""
    if value and INBOX_ADDRESS.fullmatch(value):
        return value
    return url_for("admin.inbox")


class BulkForm(ClosingReason, Form):
    """The bulk bar: each part is optional, and the ones chosen are made to every ticked item."""

    # The command checks the choice (and says "Choose a status"), so an unknown one is shown like its other refusals.
    status = SelectField(
        _l("Set the status to"),
        choices=options([("", _l("No change")), *STATUS_LABELS.items()]),
        validate_choice=False,
    )
    plain_reason = plain_reason_field()
    reason = StringField(
        _l("Your own words"),
        default="",
        validators=[Length(max=REASON_LONGEST, message=_l("Shorten the reason to 2,000 characters or fewer"))],
    )
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    tags = StringField(
        _l("Add tags (separated by commas)"),
        default="",
        validators=[Length(max=TAGS_LIMIT, message=_l("Shorten the tags to 300 characters or fewer"))],
    )
    back = HiddenField()
    field_order = ("csrf_token", "status", "plain_reason", "reason", "assignee", "tags")

    def validate_reason(self, field: Field) -> None:
        self.check_own_words()


class SaveViewForm(Form):
    name = StringField(_l("Name of the view"), default="")
    query = HiddenField()
    field_order = ("csrf_token", "name")


class DeleteViewForm(Form):
    view = HiddenField()
