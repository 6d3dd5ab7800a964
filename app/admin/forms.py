"""Forms of the staff sign-in and account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from app.forms import Form


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
