"""Forms of the coverage page: narrowing the list of practices, and a citywide admin's answer to a suggestion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField

from app.forms import Form, options
from app.models import Lcp

HOW_CHOICES = [
    ("published", _l("The partnership’s published list")),
    ("programme", _l("The programme’s list")),
    ("staff", _l("Linked by staff")),
]


class CoverageFilterForm(Form):
    """A GET form: what it narrows to is in the address, so a filtered list can be bookmarked or shared."""

    class Meta:
        csrf = False

    lcp = SelectField(_l("Partnership"), choices=[], validate_choice=False)
    unconfirmed = BooleanField(_l("Only practices with no confirmed partnership"))
    how = SelectField(_l("How the partnership was confirmed"), choices=[], validate_choice=False)

    def fill_choices(self, lcps: list[Lcp]) -> None:
        self.lcp.choices = options([("", _l("All partnerships")), *((lcp.slug, lcp.name) for lcp in lcps)])
        self.how.choices = options([("", _l("Any way")), *HOW_CHOICES])


class SuggestionForm(Form):
    """Which suggestion an answer is for: its id, in the form rather than the address."""

    field_order = ("csrf_token", "suggestion")

    suggestion = HiddenField()


class AcceptForm(SuggestionForm):
    """Accepting a suggestion links the practice to the partnership chosen here, filled in with the one the
    resident named when the site recognised it."""

    field_order = ("csrf_token", "lcp")

    lcp = SelectField(_l("Partnership"), choices=[], validate_choice=False)

    def fill_choices(self, lcps: list[Lcp]) -> None:
        self.lcp.choices = options([("", _l("Choose a partnership")), *((lcp.slug, lcp.name) for lcp in lcps)])
