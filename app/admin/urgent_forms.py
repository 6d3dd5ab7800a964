"""The item page's urgent form: mark an item "urgent: check today", or remove the mark, with a reason.

One form for both (`action` says which). Its CSRF token is the page's own, checked for every POST by CSRFProtect, so
the form does not check it again; its prefix gives its box an id of its own on the item page (`urgent-reason`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.commands.safeguarding import REASON_LONGEST
from app.forms import Form

ACTIONS = ("add", "remove")
ADD_LABEL = _l("Why is it urgent?")
REMOVE_LABEL = _l("Why is it no longer urgent?")


class UrgentForm(Form):
    """A reason, required either way: it is kept in the item's history and the audit log."""

    class Meta:
        csrf = False

    field_order = ("reason",)
    action = HiddenField()
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Enter the reason")),
            Length(max=REASON_LONGEST, message=_l("Shorten the reason to 2,000 characters or fewer")),
        ],
    )

    @classmethod
    def blank(cls, action: str) -> UrgentForm:
        return cls(prefix="urgent", formdata=None, data={"action": action}).labelled()

    @classmethod
    def sent(cls) -> UrgentForm:
        return cls(prefix="urgent").labelled()

    @property
    def chosen(self) -> str:
        return self.action.data if self.action.data in ACTIONS else ""

    def labelled(self) -> UrgentForm:
        """The box asks why, for what it does."""
        label = REMOVE_LABEL if self.chosen == "remove" else ADD_LABEL
        self.reason.label.text = str(label)
        return self
