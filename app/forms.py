"""What every form of the site shares, whichever blueprint it is in: the base class, the checks of a POSTed form,
the checkbox field and choices.

The base class checks what anyone types the same way, whichever form it is in.

Every text box (not passwords or hidden fields) refuses hidden control characters, bidirectional overrides and
unreadable bytes, with the share form's messages, and has a length limit: its own `Length(max=…)`, or else
`STRING_LIMIT` for a one-line box and `TEXT_LIMIT` for a text area. A search box (a GET form, which shows no
errors) is cleaned and cut to its limit instead. `tests/test_free_text.py` checks every form in the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    PasswordField,
    SearchField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields import Field
from wtforms.form import BaseForm
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

if TYPE_CHECKING:
    from wtforms import Form as _WtForm

    class SelectChoice(NamedTuple):
        """WTForms 3.3's choice (a dataclass at run time), which types-WTForms (made for 3.2) does not know yet.
        Told as the three-item tuple 3.2 takes for a choice, so a field's `choices` accepts it."""

        value: Any
        label: str
        render_kw: dict[str, Any] = {}  # noqa: RUF012 (never made: only the type checker reads this class)

    class FlaskForm(_WtForm):
        """Flask-WTF's form as the type checker sees it: a WTForms form (typed by types-WTForms) that reads the
        request and checks the CSRF token. Flask-WTF ships no type hints."""

        # The CSRF token's field, there unless a form turns CSRF off in its Meta.
        csrf_token: Field

        def __init__(self, formdata: Any = ..., **kwargs: Any) -> None: ...
        def is_submitted(self) -> bool: ...
        def validate_on_submit(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool: ...

else:
    from flask_wtf import FlaskForm
    from wtforms.fields.choices import SelectChoice

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])

# Control characters other than tab and line breaks, zero-width and bidirectional marks, and the byte-order mark:
# invisible, never meant, and able to make words read backwards on a page that shows them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# What a browser or the server puts where bytes were not valid UTF-8.
UNREADABLE = "\ufffd"
# Limits for boxes whose form sets none.
STRING_LIMIT = 500
TEXT_LIMIT = 10_000


def clean_text(field: Field) -> None:
    """Refuse text with invisible control characters or unreadable bytes, saying which, and keep the rest.

    Control characters are removed from what is shown again, so sending again works; unreadable
    characters stay as � so the person can see where they were.
    """
    value = field.data or ""
    if CONTROL.search(value):
        field.data = CONTROL.sub("", value)
        raise ValidationError(
            _l(
                "Your text had hidden control characters, which we have removed. Check it reads as you meant, "
                "then send it again"
            )
        )
    if UNREADABLE in value:
        raise ValidationError(
            _l("Some characters could not be read and are shown as �. Retype them or remove them, then send again")
        )


def is_typed_text(field: Field) -> bool:
    return isinstance(field, StringField | TextAreaField) and not isinstance(field, PasswordField | HiddenField)


def text_limit(field: Field) -> int:
    """The box's own `Length(max=…)`, or the site's default for its kind."""
    validators: list[object] = list(field.validators)
    limits = [validator.max for validator in validators if isinstance(validator, Length) and validator.max > 0]
    if limits:
        return min(limits)
    return TEXT_LIMIT if isinstance(field, TextAreaField) else STRING_LIMIT


class Form(FlaskForm):
    def process(self, *args: Any, **kwargs: Any) -> None:
        """A search box is read as typed, without what cannot be meant, and no longer than its limit."""
        super().process(*args, **kwargs)
        for field in self:
            if isinstance(field, SearchField) and isinstance(field.data, str):
                field.data = CONTROL.sub("", field.data)[: text_limit(field)]

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not is_typed_text(field) or isinstance(field, SearchField):
                continue
            errors = list(field.errors)
            limit = text_limit(field)
            if len(field.data or "") > limit and not any(isinstance(v, Length) for v in field.validators):
                errors.append(str(_l("Shorten what you wrote to %(limit)s characters or fewer", limit=f"{limit:,}")))
            try:
                clean_text(field)
            except ValidationError as problem:
                if str(problem) not in errors:
                    errors.append(str(problem))
            if errors != list(field.errors):
                field.errors = errors
                valid = False
        return valid


# Posting a form ----------------------------------------------------------------------------------------------


def keeps_input(view: ViewFunction) -> ViewFunction:
    """Mark a form view that re-renders itself with what was typed when its CSRF check fails."""
    view.keeps_input_on_csrf_failure = True  # type: ignore[attr-defined]  # a mark on the function object
    return view


def valid_submission(form: Form) -> bool:
    """Validate a POSTed form; a failed CSRF check becomes one plain message at the top."""
    if request.method != "POST":
        return False
    valid = form.validate()
    if csrf_failed(form):
        form.csrf_token.errors = [csrf_message()]
    return valid


def csrf_message() -> str:
    return str(
        _(
            "We could not accept the form because it was open for a long time or came from another website. "
            "Check your answers and send it again."
        )
    )


def csrf_failed(form: Form) -> bool:
    return bool(getattr(form, "csrf_token", None) and form.csrf_token.errors)


# Choices ---------------------------------------------------------------------------------------------------------


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices for a field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; an unknown value gets a message a person can act on."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, unknown_message: object = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unknown_message = unknown_message

    def known_values(self) -> set[Any]:
        # Every field of this kind has its choices from `options`.
        return {choice.value for choice in cast("list[SelectChoice]", self.choices)}

    def preselect(self, values: list[str]) -> None:
        """Tick the choices named in a link (`?lcp=…`); a name that matches none is shown as this field's error."""
        known = self.known_values()
        self.data = [value for value in dict.fromkeys(values) if value in known]
        unknown = [value for value in values if value not in known]
        if unknown:
            self.errors = [str(self.unknown_message).format(values=", ".join(unknown))]

    def pre_validate(self, form: BaseForm) -> None:
        known = self.known_values()
        unknown = [value for value in self.data or [] if value not in known]
        if unknown:
            self.data = [value for value in self.data or [] if value in known]
            raise ValidationError(
                str(self.unknown_message or _l("Choose from the list")).format(values=", ".join(unknown))
            )
