"""Forms of the public blueprint. They are GET forms, so they carry no CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField

from app.forms import Form


class FindForm(Form):
    class Meta:
        csrf = False

    q = SearchField(_l("GP practice, postcode or neighbourhood"))


class DirectoryFilterForm(Form):
    class Meta:
        csrf = False

    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    area = SelectField(_l("Area"), choices=[], validate_choice=False)
