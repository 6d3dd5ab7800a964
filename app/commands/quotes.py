"""Preparing a person's words for quoting: the one way their words reach a public page.

A person may agree that their words are quoted on the site, without their name. What they write can still name or
identify other people (a neighbour's phone number, a carer's name), so a reply never quotes the words as written:
staff first prepare them, removing the personal details found (`app.services.safety.personal_details`, all chosen
unless unticked) and any names or other words they type, each replaced by "[removed]". The result is
`Submission.quote_text`; `app.commands.casework.respond` quotes only that, and refuses to quote before it exists
(`NotPrepared`), whichever door the reply came through. The original words stay on the staff item page only.

Preparing is done by someone who may change the work of one of the submission's partnerships, as other casework is;
it adds a staff-only "quote-prepared" entry to the history (saying what was removed), an audit record
("submission.quote-prepared", with how much was removed and the prepared words, not the removed ones) and commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.clock import utcnow
from app.commands import Actor, CommandRefused, require_edit_any, staff_event, submission_lcps
from app.extensions import db
from app.models import Submission
from app.services import audit, quoting, safety


class NotAgreed(CommandRefused):
    """The person did not agree to be quoted (or withdrew their agreement): there is nothing to prepare."""

    def __init__(self) -> None:
        super().__init__("The person did not agree to have their words quoted, so there is nothing to prepare.")


class UnknownWord(CommandRefused):
    """A typed word is not in the person's words (most likely misspelt): removing it would remove nothing, and the
    name it was meant to be would stay."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        shown = ", ".join(f"“{word}”" for word in words)
        super().__init__(f"{shown} {'is' if len(words) == 1 else 'are'} not in their words: check the spelling.")


class NotPrepared(CommandRefused):
    """A reply asked to quote words that staff have not prepared (`casework.respond`)."""

    def __init__(self) -> None:
        super().__init__(
            "Their words have not been prepared for quoting: remove other people's details on the item page first."
        )


@dataclass(frozen=True)
class Prepared:
    text: str
    # What was removed, as the history says it ("" when nothing was).
    removed: str
    # How many parts of the text became "[removed]".
    count: int


def prepare_quote(actor: Actor, submission: Submission, keys: list[str], words: list[str]) -> Prepared:
    """Store the person's words with the chosen details (by `safety.Detail.key`) and every whole-word use of each of
    `words` replaced by "[removed]", as the words a reply may quote. Keys that name no detail found are ignored; a
    word not in the text is refused (`UnknownWord`), so a misspelt name never slips through unremoved."""
    require_edit_any(actor, submission_lcps(submission))
    if not submission.may_publish_words:
        raise NotAgreed()
    body = submission.body
    words = [" ".join(word.split()) for word in words if word.strip()]
    missing = quoting.unknown_words(body, words)
    if missing:
        raise UnknownWord(missing)
    found = {detail.key for detail in safety.personal_details(body)}
    keys = [key for key in dict.fromkeys(keys) if key in found]
    spans = safety.removal_spans(body, keys, words)
    text = safety.redact(body, spans)
    removed = quoting.removed_description(body, keys, words)
    before = submission.quote_text
    submission.quote_text = text
    submission.quote_prepared_at = utcnow()
    staff_event(actor, submission, quoting.EVENT_PREPARED, removed)
    audit.record(
        "submission.quote-prepared",
        obj=submission,
        summary=f"Words of submission {submission.id} prepared for quoting",
        before={"quote_text": before},
        after={"quote_text": text, "removed": len(spans), "details": len(keys), "words": len(words)},
        **actor.audit,
    )
    db.session.commit()
    return Prepared(text, removed, len(spans))
