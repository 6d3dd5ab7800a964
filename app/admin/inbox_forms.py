"""Forms of the staff inbox: the inline status, assignee and tags changes on each row, and the bulk change.

Their CSRF token is checked by Flask-WTF on every POST; a failed check answers 400. Choices that depend on
the row (who may be assigned) are filled by the view. `back` is where to return afterwards: only an
address of the inbox itself is accepted (`back_to`).
"""

from __future__ import annotations

import re

from flask import url_for
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField

from app.forms import Form, options

INBOX_ADDRESS = re.compile(r"/admin/inbox(\?[^\\\s#]*)?")
STATUS_LABELS = {
    "received": _l("Received"),
    "looking": _l("Looking at it"),
    "shared": _l("Shared with a partner"),
    "acted": _l("Acted on"),
    "closed": _l("Closed"),
}
SOURCE_LABELS = {"web": _l("Website"), "phone": _l("Phone"), "paper": _l("Paper"), "event": _l("Event")}
BULK_ACTIONS = {"status": _l("Set the status to"), "assign": _l("Assign to"), "tag": _l("Add tags")}


def back_to(value: str | None) -> str:
    """The inbox address to return to, with its filters; anything that is not the inbox gives the inbox."""
    if value and INBOX_ADDRESS.fullmatch(value):
        return value
    return url_for("admin.inbox")


class StatusForm(Form):
    status = SelectField(_l("Status"), choices=options(STATUS_LABELS.items()))
    reason = StringField(_l("Reason (needed to close)"), default="")
    back = HiddenField()


class AssignForm(Form):
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    back = HiddenField()


class TagsForm(Form):
    tags = StringField(_l("Tags"), default="")
    back = HiddenField()


class BulkForm(Form):
    action = SelectField(_l("What to change"), choices=options(BULK_ACTIONS.items()))
    status = SelectField(_l("Status"), choices=options(STATUS_LABELS.items()))
    reason = StringField(_l("Reason (needed to close)"), default="")
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    tags = StringField(_l("Tags to add"), default="")
    back = HiddenField()

    def value(self) -> str:
        """The chosen action's value: a status, a staff id (or "none"), or the tags typed."""
        return {"status": self.status.data, "assign": self.assignee.data, "tag": self.tags.data}.get(
            self.action.data, ""
        ) or ""
