"""The forms for sharing what is happening, adding to it, and looking up a receipt code."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.engage.forms import RegisterForm
from app.forms import CheckboxesField, Form, clean_text, options
from app.models import AgendaItem
from app.numbers import whole_number
from app.services import directory
from app.services.people import lcps_by_slug, normalise_email, topics_by_slug
from app.services.sharing import BODY_LIMIT, FOLLOW_UP_LIMIT, ContactInput, ShareInput

AGE_GROUP_CHOICES = options(
    [
        ("children", _l("Children (under 11)")),
        ("young-people", _l("Young people (11 to 25)")),
        ("adults", _l("Adults (26 to 64)")),
        ("older-people", _l("Older people (65 and over)")),
    ]
)
GROUP_CHOICES = options(
    [
        ("carers", _l("Carers")),
        ("disability", _l("People with a disability")),
        ("long-term-conditions", _l("People with a long-term health condition")),
        ("mental-health", _l("People with mental health needs")),
        ("asylum-refugees", _l("People seeking asylum and refugees")),
        ("ethnic-minorities", _l("People from ethnic minority communities")),
        ("lgbtq", _l("Lesbian, gay, bisexual and trans people")),
        ("low-income", _l("People on low incomes")),
        ("homeless", _l("People who are homeless or badly housed")),
    ]
)
SPEAKS_FOR_CHOICES = options(
    [
        ("self", _l("Myself")),
        ("organisation", _l("An organisation or group, on behalf of the people it works with")),
    ]
)
CONTACT_CHOICES = options(
    [
        ("no", _l("No, keep it anonymous")),
        ("yes", _l("Yes, I will leave an email address")),
    ]
)


# How many people an organisation can say it speaks for, at most.
MOST_PEOPLE = 1_000_000

# A whole number in any script's decimal digits (Python's \d: 40, ٤٠, ۴۰, never a superscript such as "²"), its
# thousands grouped by a comma, a point, a space or the Arabic thousands separator: "1,200", "1 200", "١٬٢٠٠".
_DIGITS = re.compile(r"\d+(?:[,.'\u00a0\u202f\u066c ]\d{3}(?!\d))*")
# Straight after a number, a fraction ("40.5", "٤٠٫٥"): not a whole number of people.
_FRACTION = re.compile(r"[.,\u066b]\d")
# Between two numbers, what makes them a range: "40-50", "40 – 50", "40 to 50", "40 or 50".
_RANGE = re.compile(r"\s*(?:-|\u2010|\u2011|\u2012|\u2013|\u2014|\u2212|to|or)\s*", re.IGNORECASE)

# Numbers in English words, the language of the form's own example ("about forty", "two hundred and fifty").
_WORD_UNITS = {
    word: number
    for number, word in enumerate(
        [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
        ]
    )
}  # fmt: skip
_WORD_TENS = {
    word: 10 * number
    for number, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2
    )
}
_WORD_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_WORD = re.compile(r"[^\W\d_]+")


def _digit_numbers(text: str) -> list[tuple[int, int, int | None]]:
    """(start, end, value) of each number written in digits; the value is None for a fraction, and more than
    MOST_PEOPLE for a number with more digits than that holds."""
    found: list[tuple[int, int, int | None]] = []
    for match in _DIGITS.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        value: int | None = whole_number(digits, 7) if len(digits) <= 7 else MOST_PEOPLE + 1
        if _FRACTION.match(text, match.end()):
            value = None
        found.append((match.start(), match.end(), value))
    return found


def _word_numbers(text: str) -> list[tuple[int, int, int | None]]:
    """(start, end, value) of each run of English number words: "forty", "forty-five", "a hundred", "two hundred and
    fifty", "a dozen"."""
    found: list[tuple[int, int, int | None]] = []
    words = list(_WORD.finditer(text))
    index = 0
    while index < len(words):
        total = current = 0
        start = end = -1
        position = index
        while position < len(words):
            word = words[position].group().casefold()
            following = words[position + 1].group().casefold() if position + 1 < len(words) else ""
            if word in _WORD_UNITS:
                current += _WORD_UNITS[word]
            elif word in _WORD_TENS:
                current += _WORD_TENS[word]
            elif word == "dozen":
                current = (current or 1) * 12
            elif word == "hundred":
                current = (current or 1) * 100
            elif word in _WORD_SCALES:
                total += (current or 1) * _WORD_SCALES[word]
                current = 0
            elif word in {"a", "an"} and start == -1 and (following in _WORD_SCALES or following == "dozen"):
                pass  # "a hundred" is one hundred
            elif word == "and" and start != -1 and following in {*_WORD_UNITS, *_WORD_TENS}:
                pass  # "two hundred and fifty"
            else:
                break
            if start == -1:
                start = words[position].start()
            end = words[position].end()
            position += 1
        if start != -1:
            found.append((start, end, total + current))
            index = position
        else:
            index += 1
    return found


def rough_number(text: str) -> int | None:
    """How many people a rough answer says, or None when it holds no whole number.

    The first number in what was typed, around any words: "about 40", "40+", "around 40", "approx. 40", "~40",
    "40 or so", "1,200", "٤٠" and "۴۰" (any script's digits). Digits come first: only without any are English
    number words read ("about forty"), so "one group of 40" is 40. A range reads as its lower end ("40-50",
    "40 to 50" and "50-40" are all 40): the least the organisation says it speaks for. A fraction ("40.5") is not a
    whole number of people, so it reads as None, as does text with no number at all.
    """
    numbers = _digit_numbers(text) or _word_numbers(text)
    if not numbers:
        return None
    _start, end, value = numbers[0]
    if value is not None and len(numbers) > 1:
        next_start, _next_end, next_value = numbers[1]
        if next_value is not None and _RANGE.fullmatch(text, end, next_start):
            value = min(value, next_value)
    return value


def normalised(value: str | None) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


def body_field(label: Any, required_message: Any) -> TextAreaField:
    """What the person said: required, at most BODY_LIMIT characters. Shared with staff entry of a submission."""
    limit = _l("Shorten what you wrote to %(limit)s characters or fewer", limit=f"{BODY_LIMIT:,}")
    return TextAreaField(label, validators=[DataRequired(required_message), Length(max=BODY_LIMIT, message=limit)])


def topics_field() -> CheckboxesField:
    return CheckboxesField(
        _l("Which topics is it about? (optional)"),
        unknown_message=_l("We do not know a topic called “{values}”. Choose from the list."),
    )


def neighbourhood_field() -> StringField:
    return StringField(
        _l("Which neighbourhood or street is it about? (optional)"),
        validators=[Length(max=200, message=_l("Enter 200 characters or fewer for the neighbourhood"))],
    )


class ShareForm(Form):
    body_limit = BODY_LIMIT
    field_order = (
        "csrf_token",
        "body",
        "topics",
        "lcps",
        "find_lcp",
        "neighbourhood",
        "age_groups",
        "groups",
        "speaks_for",
        "organisation_name",
        "people_count",
        "may_publish_words",
        "contact",
        "name",
        "email",
        "may_contact",
        "wants_updates",
        "may_share",
        "leave_empty",
    )
    body = body_field(_l("What is happening?"), _l("Tell us what is happening"))
    topics = topics_field()
    lcps = CheckboxesField(
        _l("Which Local Care Partnership should hear it?"),
        unknown_message=_l("We do not know a partnership called “{values}”. Choose from the list."),
    )
    lcp_unsure = BooleanField(_l("I am not sure: let the team pass it to the right partnership"))
    # Only for finding an LCP on the form; never stored.
    find_lcp = StringField(
        _l("Find a partnership by GP practice or postcode"),
        validators=[Length(max=100, message=_l("Enter 100 characters or fewer"))],
    )
    neighbourhood = neighbourhood_field()
    age_groups = CheckboxesField(_l("Which ages does it affect? (optional)"), choices=AGE_GROUP_CHOICES)
    groups = CheckboxesField(_l("Does it affect any of these groups in particular? (optional)"), choices=GROUP_CHOICES)
    speaks_for = RadioField(
        _l("Who are you speaking for?"),
        choices=SPEAKS_FOR_CHOICES,
        validators=[InputRequired(_l("Choose whether you speak for yourself or for an organisation"))],
    )
    organisation_name = StringField(
        _l("Name of the organisation or group"),
        validators=[Length(max=200, message=_l("Enter an organisation name of 200 characters or fewer"))],
    )
    people_count = StringField(_l("About how many people are you speaking for?"))
    may_publish_words = BooleanField(
        _l("You may quote my words on this website when you publish what happened, without my name")
    )
    contact = RadioField(
        _l("Can the team contact you about this?"),
        choices=CONTACT_CHOICES,
        validators=[InputRequired(_l("Choose whether to leave an email address or stay anonymous"))],
    )
    name = StringField(
        _l("Your name (optional)"), validators=[Length(max=200, message=_l("Enter a name of 200 characters or fewer"))]
    )
    email = EmailField(
        _l("Email address"),
        validators=[Length(max=254, message=_l("Enter an email address of 254 characters or fewer"))],
    )
    may_contact = BooleanField(_l("Staff may email me to ask about what I shared"))
    wants_updates = BooleanField(_l("Email me when its status changes or the partnership replies"))
    may_share = BooleanField(
        _l(
            "Staff may pass my words and email address to the partner organisations named on the partnership’s "
            "page, so they can act on it"
        )
    )
    # A box people never see (it is hidden by the style sheet); programs that fill in every box fill it in.
    leave_empty = StringField(_l("Leave this box empty"))
    # A random value per form, so that sending the same form twice stores it once.
    form_key = HiddenField()
    # The agenda item being commented on, if any.
    item = HiddenField()

    def fill_choices(self) -> None:
        self.lcps.choices = options((lcp.slug, lcp.name) for lcp in directory.all_lcps())
        self.topics.choices = options((topic.slug, topic.shown_label) for topic in directory.all_topics())
        # The key the page made (32 URL-safe characters); anything else sent back is replaced, not stored.
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", self.form_key.data or ""):
            self.form_key.data = secrets.token_urlsafe(24)

    def validate_body(self, field: Field) -> None:
        clean_text(field)

    def validate_neighbourhood(self, field: Field) -> None:
        clean_text(field)

    def validate_lcps(self, field: Field) -> None:
        if not field.data and not field.errors and not self.lcp_unsure.data:
            raise ValidationError(_l("Choose a partnership, or tick “I am not sure”"))

    def validate_organisation_name(self, field: Field) -> None:
        clean_text(field)
        if self.speaks_for.data == "organisation" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the name of the organisation or group"))

    def validate_people_count(self, field: Field) -> None:
        if self.speaks_for.data != "organisation":
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter about how many people you are speaking for, like 40"))
        number = rough_number(field.data or "")
        if number is None:
            raise ValidationError(_l("Enter the number of people as a whole number, like 40"))
        if not 1 <= number <= MOST_PEOPLE:
            raise ValidationError(_l("Enter a number of people between 1 and 1,000,000"))

    def validate_name(self, field: Field) -> None:
        clean_text(field)

    def validate_email(self, field: Field) -> None:
        if self.contact.data != "yes":
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter your email address, or choose to stay anonymous"))
        RegisterForm.validate_email(self, field)

    def validate_leave_empty(self, field: Field) -> None:
        if field.data:
            raise ValidationError(_l("Leave the box called “Leave this box empty” empty, then send again"))

    @property
    def people_number(self) -> int | None:
        number = rough_number(self.people_count.data or "")
        return number if number is not None and 1 <= number <= MOST_PEOPLE else None

    def share_input(self, item: AgendaItem | None = None) -> ShareInput:
        contact = None
        if self.contact.data == "yes":
            contact = ContactInput(
                email=normalise_email(self.email.data or ""),
                name=normalised(self.name.data),
                may_contact=bool(self.may_contact.data),
                may_share=bool(self.may_share.data),
                wants_updates=bool(self.wants_updates.data),
            )
        return ShareInput(
            body=normalised(self.body.data),
            lcps=lcps_by_slug(self.lcps.data or []),
            topics=topics_by_slug(self.topics.data or []),
            lcp_unsure=bool(self.lcp_unsure.data),
            neighbourhood=normalised(self.neighbourhood.data),
            age_groups=list(self.age_groups.data or []),
            groups=list(self.groups.data or []),
            speaks_for=self.speaks_for.data,
            organisation_name=normalised(self.organisation_name.data),
            people_count=self.people_number,
            may_publish_words=bool(self.may_publish_words.data),
            agenda_item=item,
            contact=contact,
            form_key=self.form_key.data or None,
        )


class FollowUpForm(Form):
    body_limit = FOLLOW_UP_LIMIT
    body = TextAreaField(
        _l("What would you like to add?"),
        validators=[
            DataRequired(_l("Write what you would like to add")),
            Length(
                max=FOLLOW_UP_LIMIT,
                message=_l("Shorten what you wrote to %(limit)s characters or fewer", limit=f"{FOLLOW_UP_LIMIT:,}"),
            ),
        ],
    )

    def validate_body(self, field: Field) -> None:
        clean_text(field)


class TrackForm(Form):
    class Meta:
        csrf = False

    code = StringField(
        _l("Receipt code"),
        validators=[DataRequired(_l("Enter your receipt code, like ABCD-2345"))],
    )
