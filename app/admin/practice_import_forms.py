"""Forms of the pages that load the programme's list of GP practices and their partnerships, and undo a load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms.fields import Field
from wtforms.validators import Optional, ValidationError

from app.admin.activity_forms import DayField
from app.forms import CheckboxesField, Form, options

if TYPE_CHECKING:
    from app.services.practice_import import UnknownPartnership


class PracticeImportForm(Form):
    """The file, and the date the programme agreed the list when the file does not say."""

    field_order = ("csrf_token", "file", "agreed_on")

    file = FileField(_l("The programme’s list of practices"))
    agreed_on = DayField(
        _l("Date the programme agreed the list (optional)"),
        _l("Enter the date the list was agreed as day, month and year, such as 3/12/2026"),
        years_ahead=0,
        validators=[Optional()],
    )

    def validate_file(self, field: Field) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError(_l("Choose the file with the programme’s list"))


class PracticeImportApplyForm(Form):
    """The uploaded file, kept on the server under `token`, and the partnerships to create with the import."""

    field_order = ("csrf_token", "create")

    token = HiddenField()
    create = CheckboxesField(
        _l("Partnerships to create"),
        unknown_message=_l("The file no longer names a partnership “{values}”. Upload it again"),
    )

    def fill_choices(self, unknown: list[UnknownPartnership]) -> PracticeImportApplyForm:
        self.create.choices = options(
            (item.key, _l("Create the partnership %(name)s", name=item.name)) for item in unknown
        )
        return self


class UndoImportForm(Form):
    import_id = HiddenField()
