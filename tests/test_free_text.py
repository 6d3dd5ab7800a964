"""Every box a person types into, on every form of the site, refuses hidden control characters and has a limit.

The forms are found by walking every FlaskForm subclass in the app, so a new form is checked without being listed.
A right-to-left override (U+202E) in a follower's or staff member's name would show the words reversed on the
staff pages; a megabyte in a tag or close reason would fill a page. Each text box, given either, must answer with
an error beside it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, SearchField, StringField, TextAreaField

import app as app_package

HIDDEN_MARKS = ["\u202e", "\u202d", "\u2066", "\u200f", "\x1b", "\x07", "\x85"]
TOO_LONG = "a" * 100_001


def form_classes() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(("forms", "_forms")):
            importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted({cls for cls in below(FlaskForm) if cls.__module__.startswith("app.")}, key=lambda c: c.__qualname__)


def text_fields(form: FlaskForm) -> list[str]:
    return [
        field.name
        for field in form
        if isinstance(field, StringField | TextAreaField) and not isinstance(field, PasswordField | HiddenField)
    ]


def checked(form_class: type[FlaskForm], name: str, value: str):
    """The field after its form was sent with `value` in it and validated."""
    form = form_class(formdata=MultiDict({name: value}), meta={"csrf": False})
    for field in form:
        if getattr(field, "choices", ()) is None:
            field.choices = []
    form.validate()
    return form[name]


def refused_or_cleaned(form_class: type[FlaskForm], name: str, value: str, unwanted: str) -> bool:
    """A box refuses it with a message beside it; a search box (a GET form shows no errors) reads it without."""
    field = checked(form_class, name, value)
    if isinstance(field, SearchField):
        return unwanted not in (field.data or "")
    return bool(field.errors)


def pytest_generate_tests(metafunc) -> None:
    """One case a text box of a form: found when the tests are collected, so each shows by name."""
    if "form_field" in metafunc.fixturenames:
        from app import create_app
        from app.config import TestingConfig

        application = create_app(TestingConfig())
        with application.test_request_context():
            cases = [(cls, name) for cls in form_classes() for name in text_fields(cls(meta={"csrf": False}))]
        metafunc.parametrize("form_field", cases, ids=[f"{cls.__name__}.{name}" for cls, name in cases])


def test_the_walk_finds_the_forms_people_type_into(app: Flask) -> None:
    with app.test_request_context():
        names = {cls.__name__ for cls in form_classes()}
    assert {"ShareForm", "RegisterForm", "LoginForm", "MeetingForm"} <= names


def test_every_form_is_built_on_the_sites_form(app: Flask) -> None:
    from app.forms import Form

    with app.test_request_context():
        assert [cls.__qualname__ for cls in form_classes() if not issubclass(cls, Form)] == []


def test_every_text_box_refuses_hidden_characters_and_has_a_limit(app: Flask, form_field) -> None:
    form_class, name = form_field
    with app.test_request_context(method="POST"):
        for mark in HIDDEN_MARKS:
            assert refused_or_cleaned(form_class, name, f"Armley{mark}Leeds", mark), f"{name} accepts {mark!r}"
        assert refused_or_cleaned(form_class, name, TOO_LONG, TOO_LONG), f"{name} accepts 100,001 characters"


@pytest.mark.parametrize("mark", HIDDEN_MARKS)
def test_the_share_form_keeps_the_text_without_the_mark(app: Flask, mark: str) -> None:
    from app.engage.share_forms import ShareForm

    with app.test_request_context(method="POST"):
        form = ShareForm(formdata=MultiDict({"body": f"The bus{mark} stop"}), meta={"csrf": False})
        form.fill_choices()
        form.validate()
        assert form.body.errors
        assert form.body.data == "The bus stop"
