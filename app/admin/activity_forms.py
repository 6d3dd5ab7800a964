"""Forms of the staff pages for meetings, agenda items, updates and maturity self-assessments.

Each form turns what was typed into the values its model takes (`values()`), and is filled from a row with
`from_row()`, so views only pass rows and values between a form and `app.services.activity`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.clock import in_london, london_to_utc, london_today
from app.forms import CheckboxesField, Form, options
from app.models import AgendaItem, Lcp, MaturityElement, MaturityLevel, Meeting, Update
from app.services import activity, directory
from app.services.people import topics_by_slug

CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)$")
ATTEND_CHOICES = options(
    [
        ("yes", _l("Yes, members of the public may come")),
        ("no", _l("No, it is for partners only")),
        ("unknown", _l("Not stated")),
    ]
)
ATTEND_VALUES = {"yes": True, "no": False, "unknown": None}
BODY_LIMIT = 10_000


def read_clock(value: str | None) -> time | None:
    """A time typed as 14:30 (or 14.30); None when it is not one."""
    found = CLOCK.match((value or "").strip())
    return time(int(found.group(1)), int(found.group(2))) if found else None


# The earliest date the site takes for a meeting or a self-assessment: Leeds's partnerships began in 2020.
EARLIEST_DAY = date(2020, 1, 1)


def spelled(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class DayField(DateField):
    """A date typed into a date input (2026-03-27), or as 27/03/2026 where the browser has no date picker.

    Only dates from EARLIEST_DAY to `years_ahead` years after today are taken (a typo such as 2062 for 2026 is
    refused with the range, not stored); with `years_ahead=None` the form sets the latest date itself.
    """

    def __init__(self, label: Any, invalid_message: object, years_ahead: int | None = 5, **kwargs: Any) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)
        self.invalid_message = invalid_message
        self.years_ahead = years_ahead

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as problem:
            raise ValueError(str(self.invalid_message)) from problem

    def latest(self) -> date:
        today = london_today()
        if self.years_ahead is None:
            return date.max
        try:
            return today.replace(year=today.year + self.years_ahead)
        except ValueError:  # 29 February, in a year without one
            return today.replace(year=today.year + self.years_ahead, day=28)

    def pre_validate(self, form: BaseForm) -> None:
        super().pre_validate(form)
        if not isinstance(self.data, date) or EARLIEST_DAY <= self.data <= self.latest():
            return
        if self.years_ahead is None:
            raise ValidationError(_l("Enter a date from %(earliest)s", earliest=spelled(EARLIEST_DAY)))
        raise ValidationError(
            _l(
                "Enter a date from %(earliest)s to %(latest)s",
                earliest=spelled(EARLIEST_DAY),
                latest=spelled(self.latest()),
            )
        )


def topic_field() -> CheckboxesField:
    return CheckboxesField(
        _l("Topics"), unknown_message=_l("We do not know a topic called “{values}”. Choose from the list.")
    )


class MeetingForm(Form):
    field_order = (
        "csrf_token",
        "title",
        "day",
        "starts",
        "ends",
        "location",
        "online",
        "joining_details",
        "public_may_attend",
        "summary",
        "outcome",
    )

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Enter the meeting’s title")),
            Length(max=200, message=_l("Shorten the title to 200 characters or fewer")),
        ],
    )
    day = DayField(
        _l("Date"),
        _l("Enter the date of the meeting as day, month and year, such as 27/03/2026"),
        validators=[InputRequired(_l("Enter the date of the meeting"))],
    )
    starts = StringField(_l("Start time"), validators=[InputRequired(_l("Enter the start time, such as 14:00"))])
    ends = StringField(_l("End time"), validators=[InputRequired(_l("Enter the end time, such as 16:00"))])
    location = StringField(
        _l("Where it is held"), validators=[Length(max=300, message=_l("Shorten the place to 300 characters or fewer"))]
    )
    online = BooleanField(_l("The meeting is online"))
    joining_details = TextAreaField(_l("How to join"))
    public_may_attend = RadioField(_l("May members of the public come?"), choices=ATTEND_CHOICES, default="unknown")
    summary = TextAreaField(_l("Summary"))
    outcome = TextAreaField(_l("What was decided at the meeting"))

    def validate_starts(self, field: Field) -> None:
        if read_clock(field.data) is None:
            raise ValidationError(_l("Enter the start time as hours and minutes, such as 14:00"))

    def validate_ends(self, field: Field) -> None:
        ends, starts = read_clock(field.data), read_clock(self.starts.data)
        if ends is None:
            raise ValidationError(_l("Enter the end time as hours and minutes, such as 16:00"))
        if starts is not None and ends <= starts:
            raise ValidationError(_l("The end time must be after the start time"))

    def validate_public_may_attend(self, field: Field) -> None:
        if field.data not in ATTEND_VALUES:
            raise ValidationError(_l("Choose whether members of the public may come"))

    @classmethod
    def from_row(cls, meeting: Meeting | None = None) -> MeetingForm:
        if meeting is None:
            return cls()
        starts, ends = in_london(meeting.starts_at), in_london(meeting.ends_at)
        attend = {True: "yes", False: "no"}.get(meeting.public_may_attend, "unknown")  # type: ignore[arg-type]
        return cls(
            **{name: getattr(meeting, name) for name in ("title", "location", "online", "joining_details")},
            summary=meeting.summary,
            outcome=meeting.outcome,
            day=starts.date(),
            starts=starts.strftime("%H:%M"),
            ends=ends.strftime("%H:%M"),
            public_may_attend=attend,
        )

    def values(self) -> dict[str, Any]:
        starts, ends = read_clock(self.starts.data), read_clock(self.ends.data)
        day = self.day.data
        assert starts is not None and ends is not None and day is not None
        return {
            "title": (self.title.data or "").strip(),
            "starts_at": london_to_utc(day, starts),
            "ends_at": london_to_utc(day, ends),
            "location": (self.location.data or "").strip(),
            "online": bool(self.online.data),
            "joining_details": (self.joining_details.data or "").strip(),
            "public_may_attend": ATTEND_VALUES[self.public_may_attend.data],
            "summary": (self.summary.data or "").strip(),
            "outcome": (self.outcome.data or "").strip(),
        }


class AgendaItemForm(Form):
    field_order = ("csrf_token", "title", "description", "topics", "papers")

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Enter the item’s title")),
            Length(max=200, message=_l("Shorten the title to 200 characters or fewer")),
        ],
    )
    description = TextAreaField(_l("Description"))
    topics = topic_field()
    papers = TextAreaField(_l("Papers"))

    def fill_choices(self) -> AgendaItemForm:
        self.topics.choices = options((topic.slug, topic.label) for topic in directory.all_topics())
        return self

    def validate_papers(self, field: Field) -> None:
        problem = activity.paper_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    @classmethod
    def from_row(cls, item: AgendaItem | None = None) -> AgendaItemForm:
        if item is None:
            return cls().fill_choices()
        return cls(
            title=item.title,
            description=item.description,
            papers=item.papers,
            topics=[topic.slug for topic in item.topics],
        ).fill_choices()

    def values(self) -> dict[str, Any]:
        papers = "\n".join(line.strip() for line in (self.papers.data or "").splitlines() if line.strip())
        return {
            "title": (self.title.data or "").strip(),
            "description": (self.description.data or "").strip(),
            "topics": topics_by_slug(self.topics.data or []),
            "papers": papers,
        }


class DecisionForm(Form):
    decision = TextAreaField(_l("What was decided"), validators=[InputRequired(_l("Enter what was decided"))])


class UpdateForm(Form):
    body_limit = BODY_LIMIT
    field_order = ("csrf_token", "title", "body", "topics")

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(_l("Enter the update’s title")),
            Length(max=200, message=_l("Shorten the title to 200 characters or fewer")),
        ],
    )
    body = TextAreaField(
        _l("The update"),
        validators=[
            InputRequired(_l("Enter the text of the update")),
            Length(max=BODY_LIMIT, message=_l("Shorten the update to 10,000 characters or fewer")),
        ],
    )
    topics = topic_field()

    def fill_choices(self) -> UpdateForm:
        self.topics.choices = options((topic.slug, topic.label) for topic in directory.all_topics())
        return self

    @classmethod
    def from_row(cls, update: Update | None = None) -> UpdateForm:
        if update is None:
            return cls().fill_choices()
        return cls(title=update.title, body=update.body, topics=[topic.slug for topic in update.topics]).fill_choices()

    def values(self) -> dict[str, Any]:
        return {
            "title": (self.title.data or "").strip(),
            "body": (self.body.data or "").strip(),
            "topics": topics_by_slug(self.topics.data or []),
        }


class MaturityForm(Form):
    """The date and note; `build` adds one select for each element of the framework."""

    assessed_on = DayField(
        _l("Date of the self-assessment"),
        _l("Enter the date of the self-assessment as day, month and year, such as 27/03/2026"),
        years_ahead=None,
        validators=[InputRequired(_l("Enter the date of the self-assessment"))],
    )
    note = TextAreaField(_l("Note"), validators=[Optional()])

    element_fields: tuple[str, ...] = ()

    lcp: Lcp | None = None

    @classmethod
    def build(cls, lcp: Lcp, elements: list[MaturityElement], levels: list[MaturityLevel]) -> MaturityForm:
        choices = [("", _l("Not assessed"))] + [(str(level.id), level.label) for level in levels]
        fields = {
            f"element_{element.id}": SelectField(element.display_label, choices=options(choices), default="")
            for element in elements
        }
        form_class = cast("type[MaturityForm]", type("MaturityAssessmentForm", (cls,), fields))
        form_class.element_fields = tuple(fields)
        form_class.field_order = ("csrf_token", "assessed_on", *fields, "note")
        form = form_class()
        form.lcp = lcp
        return form

    def validate_assessed_on(self, field: Field) -> None:
        if field.data and field.data > london_today():
            raise ValidationError(_l("The date of the self-assessment must be today or in the past"))
        if field.data and self.lcp and activity.assessment_on(self.lcp, field.data):
            raise ValidationError(
                _l("This partnership already has a self-assessment on that date. Choose another date")
            )

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.element_fields and not self.ratings():
            first = self[self.element_fields[0]]
            first.errors = [*first.errors, _l("Choose a level for at least one part of the framework")]
            valid = False
        return valid

    def ratings(self) -> dict[int, int]:
        """Element id to level id, for the elements given a level."""
        return {
            int(name.removeprefix("element_")): int(self[name].data) for name in self.element_fields if self[name].data
        }


class SummaryTranslationForm(Form):
    """A partnership's summary in another language."""

    field_order = ("csrf_token", "summary")

    summary = TextAreaField(
        _l("The summary in this language"),
        validators=[
            DataRequired(_l("Enter the translated summary, or remove the translation")),
            Length(max=5000, message=_l("Enter a summary of 5,000 characters or fewer")),
        ],
    )


class UpdateTranslationForm(Form):
    """An update in another language: its title and its text."""

    body_limit = BODY_LIMIT
    field_order = ("csrf_token", "title", "body")

    title = StringField(
        _l("Title in this language"),
        validators=[
            DataRequired(_l("Enter the translated title")),
            Length(max=200, message=_l("Shorten the title to 200 characters or fewer")),
        ],
    )
    body = TextAreaField(
        _l("The update in this language"),
        validators=[
            DataRequired(_l("Enter the translated text of the update")),
            Length(max=BODY_LIMIT, message=_l("Shorten the update to 10,000 characters or fewer")),
        ],
    )
