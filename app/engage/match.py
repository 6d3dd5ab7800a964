"""/match: which partnerships an organisation should prioritise, and following the chosen ones in one step.

The page is a GET form (it only reads, so it needs no CSRF token), and the same URL renders the results
without JavaScript. The follow step reuses what exists: a recognised person POSTs to `follow_chosen`;
anyone else goes to the registration page with the choices filled in.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import Length, ValidationError

from app.engage import engage
from app.engage.views import recognised_follower
from app.extensions import limiter
from app.forms import CheckboxesField, Form, options
from app.services import directory
from app.services.coverage import coverage
from app.services.match import match as match_lcps


class MatchForm(Form):
    class Meta:
        csrf = False

    # The order of the page, which the error summary follows.
    field_order = ("topic", "areas", "citywide")
    topic = CheckboxesField(
        _l("Which topics does your organisation work on?"),
        unknown_message=_l("We do not know a topic called “{values}”. Choose from the list."),
    )
    areas = TextAreaField(
        _l("Which areas do you serve?"),
        validators=[Length(max=1000, message=_l("Enter 1,000 characters or fewer about the areas you serve"))],
    )
    citywide = BooleanField(_l("We work across the whole city"))

    def validate_topic(self, field: Field) -> None:
        if not field.data and not field.errors:
            raise ValidationError(_l("Choose at least one topic"))

    def validate_areas(self, field: Field) -> None:
        if not (field.data or "").strip() and not self.citywide.data:
            raise ValidationError(_l("Enter the areas you serve, or tick “We work across the whole city”"))


@engage.get("/match")
@limiter.limit("120 per minute")
def match():
    form = MatchForm(request.args)
    topics = directory.all_topics()
    form.topic.choices = options((topic.slug, topic.shown_label) for topic in topics)
    # A link may carry topics alone (`?topic=…`) to fill the form in; only a sent form is checked in full.
    submitted = "areas" in request.args or "citywide" in request.args
    result = None
    if submitted and form.validate():
        chosen = set(form.topic.data or [])
        result = match_lcps(
            [topic for topic in topics if topic.slug in chosen], form.areas.data or "", bool(form.citywide.data)
        )
        if result.problems:
            form.areas.errors = list(result.problems)
            result = None
    elif not submitted and form.topic.data:
        try:
            form.topic.pre_validate(form)
        except ValidationError as error:
            form.topic.errors = [str(error)]
    follower = recognised_follower()
    response = make_response(
        render_template("engage/match.html", form=form, result=result, follower=follower, coverage=coverage())
    )
    # Whether the follow step posts or goes to registration depends on the cookie.
    response.vary.add("Cookie")
    if follower is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response
