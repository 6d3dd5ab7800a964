"""Forms of the staff sign-in and account pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields import Field
from wtforms.form import BaseForm
from wtforms.validators import InputRequired, Length, ValidationError

from app.forms import CheckboxesField, Form, SelectChoice, options
from app.models import StaffUser
from app.services import staff_notify
from app.services.staff_mail import hour_label


class LoginForm(Form):
    email = EmailField(_l("Email address"), validators=[InputRequired(_l("Enter your email address")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password")), Length(max=1000)])


class CodeForm(Form):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[InputRequired(_l("Enter the 6-digit code from your authenticator app")), Length(max=20)],
    )


class RecoveryForm(Form):
    code = StringField(
        _l("Recovery code"), validators=[InputRequired(_l("Enter one of your recovery codes")), Length(max=40)]
    )


class PasswordChangeForm(Form):
    current = PasswordField(_l("Your current password"), validators=[InputRequired(_l("Enter your current password"))])
    new = PasswordField(_l("New password"), validators=[InputRequired(_l("Enter a new password"))])


NEW_ITEM_CHOICES = (
    (staff_notify.EACH, _l("An email as each new item arrives")),
    (staff_notify.DAILY, _l("A daily summary, at the hour chosen below")),
    (staff_notify.NONE, _l("No emails about new items")),
)
ALSO_CHOICES = (
    ("assigned", _l("When an item is assigned to me")),
    ("overdue", _l("Every Monday, the items waiting past their partnership’s target for a first answer")),
)


def one_of_the_choices(message: object) -> Callable[[BaseForm, Field], None]:
    """The value must be one of the field's own choices; anything else, or nothing, gets `message`."""

    def validate(_form: BaseForm, field: Field) -> None:
        values = {choice.value for choice in cast("list[SelectChoice]", field.choices)}  # type: ignore[attr-defined]
        if field.data not in values:
            raise ValidationError(str(message))

    return validate


class NotificationsForm(Form):
    """The emails a staff member wants about items (`app.commands.accounts.set_notifications`)."""

    field_order = ("csrf_token", "new_items", "daily_hour", "also")

    new_items = RadioField(
        _l("New items for your partnerships"),
        choices=options(NEW_ITEM_CHOICES),
        validate_choice=False,
        validators=[one_of_the_choices(_l("Choose how you want to hear of new items"))],
    )
    daily_hour = SelectField(
        _l("Hour of the daily summary (London time)"),
        choices=[],
        validate_choice=False,
        validators=[one_of_the_choices(_l("Choose the hour for your daily summary from the list"))],
    )
    also = CheckboxesField(_l("Also email me"), choices=options(ALSO_CHOICES))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Worded when the form is made, in the request's language.
        self.daily_hour.choices = options((str(hour), hour_label(hour)) for hour in staff_notify.HOURS)

    def fill(self, user: StaffUser) -> None:
        self.new_items.data = user.notify_new
        self.daily_hour.data = str(user.notify_daily_hour)
        self.also.data = [
            value for value, chosen in (("assigned", user.notify_assigned), ("overdue", user.notify_overdue)) if chosen
        ]

    def values(self) -> dict[str, Any]:
        also = set(self.also.data or [])
        return {
            "new_items": self.new_items.data or "",
            "daily_hour": int(self.daily_hour.data or 0),
            "assigned": "assigned" in also,
            "overdue": "overdue" in also,
        }
