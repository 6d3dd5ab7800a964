"""Preparing a person's words for quoting, as staff read it: the personal details found in what they wrote, marked
where they are; the words as the public would read them after the chosen details and typed names are removed; and
what the item page says about the prepared words (who prepared them and when, or when the person withdrew their
agreement).

The finding and the removing themselves are `app.services.safety`'s (`personal_details`, `removal_spans`, `redact`);
this module turns them into pieces a template renders with autoescape (never `|safe` on what a person wrote), and
into the staff sentences that name them. The command that stores the prepared words is
`app.commands.quotes.prepare_quote`.

Staff-only: `scripts/check_translations.py` lists this module, so its words need no catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import StaffUser, Submission, SubmissionEvent
from app.services import safety

EVENT_PREPARED = "quote-prepared"
EVENT_WITHDRAWN = "quote-withdrawn"

# Each kind of detail, with an article for a list ("a phone number, an NHS number") and without, to name one.
WITH_ARTICLE = {
    safety.EMAIL: _l("an email address"),
    safety.PHONE: _l("a phone number"),
    safety.NHS_NUMBER: _l("an NHS number"),
    safety.POSTCODE: _l("a postcode"),
    safety.DATE_OF_BIRTH: _l("a date of birth"),
}
NAMES = {
    safety.EMAIL: _l("email address"),
    safety.PHONE: _l("phone number"),
    safety.NHS_NUMBER: _l("NHS number"),
    safety.POSTCODE: _l("postcode"),
    safety.DATE_OF_BIRTH: _l("date of birth"),
}


def kind_name(kind: str) -> str:
    return str(NAMES.get(kind, kind))


def kind_with_article(kind: str) -> str:
    return str(WITH_ARTICLE.get(kind, kind))


# Words in pieces, for templates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """Some of a person's words: plain, a personal detail (`kind` set) or a removed part (`removed`, its text
    `safety.REMOVED`)."""

    text: str
    kind: str = ""
    removed: bool = False

    @property
    def name(self) -> str:
        return kind_name(self.kind) if self.kind else ""


Paragraph = list[Piece]


def _paragraphs(pieces: list[Piece]) -> list[Paragraph]:
    """The pieces split where the text has line breaks, as the item page shows words (one paragraph a line); blank
    lines are left out. A detail written across a line break is marked on both lines."""
    paragraphs: list[Paragraph] = [[]]
    for piece in pieces:
        for number, line in enumerate(piece.text.split("\n")):
            if number:
                paragraphs.append([])
            if line:
                paragraphs[-1].append(Piece(line, piece.kind, piece.removed))
    return [paragraph for paragraph in paragraphs if "".join(piece.text for piece in paragraph).strip()]


def marked(text: str, details: list[safety.Detail] | None = None) -> list[Paragraph]:
    """`text` in paragraphs, with each personal detail found in it a piece of its own."""
    found = safety.personal_details(text) if details is None else details
    pieces, at = [], 0
    for detail in found:
        if detail.start > at:
            pieces.append(Piece(text[at : detail.start]))
        pieces.append(Piece(text[detail.start : detail.end], kind=detail.kind))
        at = detail.end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return _paragraphs(pieces)


def redacted(text: str, spans: list[tuple[int, int]]) -> list[Paragraph]:
    """`text` as `safety.redact` leaves it, in paragraphs, each removed part a piece of its own."""
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append(Piece(text[at:start]))
        pieces.append(Piece(safety.REMOVED, removed=True))
        at = end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return _paragraphs(pieces)


def paragraphs(text: str) -> list[str]:
    """Prepared words as the public pages show them: one paragraph a line, blank lines left out."""
    return [line for line in (text or "").splitlines() if line.strip()]


# What was found and what is removed --------------------------------------------------------------------------------


def found_list(details: list[safety.Detail]) -> str:
    """The kinds of detail found, as a list for a sentence: "a phone number, an NHS number"."""
    return ", ".join(kind_with_article(kind) for kind in safety.kinds_found(details))


def choice_label(detail: safety.Detail) -> str:
    """The redaction step's checkbox for one detail: "Remove the phone number 07700 900123"."""
    return _("Remove the %(kind)s %(detail)s", kind=kind_name(detail.kind), detail=detail.text)


def unknown_words(text: str, words: list[str]) -> list[str]:
    """The typed words that are nowhere in `text` as whole words (in any case): most likely misspelt."""
    return [word for word in words if not safety.removal_spans(text, [], [word])]


def removed_description(text: str, keys: list[str], words: list[str]) -> str:
    """What is removed, for the history: each chosen detail with its kind, then each typed word, as
    "a phone number (07700 900123), Sam Jones"; "" when nothing is."""
    chosen = set(keys)
    parts = [
        f"{kind_with_article(detail.kind)} ({detail.text})"
        for detail in safety.personal_details(text)
        if detail.key in chosen
    ]
    parts += list(dict.fromkeys(words))
    return ", ".join(parts)


# What the item page says about quoting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteState:
    """What the item page's "Quoting their words" section tells staff."""

    # When the words were prepared, and who prepared them: a name, or "" when it is not known (the command line,
    # an account since removed, example content).
    prepared_at: datetime | None
    prepared_by: str
    # When the person withdrew their agreement to be quoted, if they did and do not agree now.
    withdrawn_at: datetime | None


def _latest(submission: Submission, kind: str) -> SubmissionEvent | None:
    return next((event for event in reversed(submission.events) if event.kind == kind), None)


def _name(staff: StaffUser | None) -> str:
    return (staff.name or staff.email) if staff is not None else ""


def quote_state(submission: Submission) -> QuoteState:
    prepared = _latest(submission, EVENT_PREPARED)
    withdrawn = _latest(submission, EVENT_WITHDRAWN) if not submission.may_publish_words else None
    return QuoteState(
        prepared_at=submission.quote_prepared_at or (prepared.created_at if prepared else None),
        prepared_by=_name(prepared.staff) if prepared is not None else "",
        withdrawn_at=withdrawn.created_at if withdrawn is not None else None,
    )
