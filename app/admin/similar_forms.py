"""The form of the item page's "Same issue (count together)" button (`similar_views`)."""

from __future__ import annotations

from wtforms import HiddenField

from app.forms import Form


class SameIssueForm(Form):
    """The item to count this one together with: a suggestion's number, sent by its button. The CSRF token is the
    page's one, checked for every POST by CSRFProtect."""

    original = HiddenField()
