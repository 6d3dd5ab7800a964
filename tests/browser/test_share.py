"""Sharing what is happening, as people do it in Chromium: the form, the receipt, tracking and adding more.

A resident shares anonymously and tracks it; an organisation shares for the people it works with and gets a
receipt email over real SMTP; someone comments on a coming meeting's agenda item; a person adds to what they
said from the link in their receipt. The same journeys run without JavaScript and by keyboard alone, and axe
checks every page in every state, at desktop and phone width and right to left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import uuid4

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import AgendaItem, Meeting, Submission
from app.services.outbox import SmtpSettings
from tests.browser.checks import axe_violations, describe, phone_problems
from tests.browser.pages import (
    PHONE,
    SHARE_HEADING,
    FollowUpPage,
    SentPage,
    SharePage,
    SitePage,
    TrackLookupPage,
    TrackPage,
    tab_to,
)
from tests.browser.test_follow import deliver, expect_marker, link_in, only_email, set_marker, unique_email
from tests.mailbox import Mailbox

pytestmark = pytest.mark.browser

ARMLEY = "Armley Local Care Partnership"
LS25 = "LS25 & LS26 Local Care Partnership"
HOUSING = "Housing"
TRANSPORT = "Transport and getting around"
THORNTON = "Thornton Medical Centre"
THORNTON_FOUND = f"{THORNTON} is in {ARMLEY}. We have ticked it below."
RECEIVED = "Received: waiting to be read by the partnership’s team"
RECEIPT_SUBJECT = "Your receipt: we have received what you shared"
CODE = re.compile(r"^[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}$")
# A well-formed code that no submission has (the chance a random code is this one is 1 in 5 × 10¹¹).
UNKNOWN_CODE = "ABCD-2345"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"
PEOPLE_NOT_A_NUMBER = "Enter the number of people as a whole number, like 40"
ADDED = "We have added it. The partnership’s team sees it with what you sent before."
STOPPED = "We will not email you about this any more."
# The NHS.UK focus colour: every focused control on the site shows it, as an outline, a shadow or a fill.
FOCUS_YELLOW = "rgb(255, 235, 59)"
FOCUS_STYLES = """element => {
  const styles = [getComputedStyle(element)];
  // A checkbox or radio is drawn by its label, so its focus ring is the label's ::before.
  if (["checkbox", "radio"].includes(element.type) && element.labels.length) {
    styles.push(getComputedStyle(element.labels[0], "::before"));
  }
  return styles.flatMap(style => [
    style.outlineStyle === "none" ? "" : style.outlineColor, style.boxShadow, style.backgroundColor,
  ]).join(" | ");
}"""


# Helpers ----------------------------------------------------------------------------------------------------------


def words(what: str) -> str:
    """Something to share that no other test shares, so a page showing it can only be showing this one."""
    return (
        f"The bus to the health centre no longer runs on Sundays ({what} {uuid4().hex[:8]}). People over 80 miss out."
    )


def expect_visible_focus(target: Locator) -> None:
    """`target` has focus and shows it in the focus colour, as a keyboard user needs to see where they are."""
    expect(target).to_be_focused()
    styles = target.evaluate(FOCUS_STYLES)
    assert FOCUS_YELLOW in styles, f"{target} has focus but does not show it: {styles}"


def expect_error(field: Locator, message: str) -> None:
    """The field says what is wrong with it, where a screen reader hears it."""
    expect(field).to_have_accessible_description(re.compile(rf"Error:\s+{re.escape(message)}\s*$"))


def send_anonymously(share: SharePage) -> SentPage:
    share.myself.check()
    share.anonymous.check()
    share.send_button.click()
    sent = SentPage(share.page, share.say)
    expect(sent.heading).to_have_text(share.say("We have received what you shared"))
    expect(sent.code).to_have_text(CODE)
    return sent


def share_with_email(page: Page, address: str, body: str) -> str:
    """Share with an email address, updates wanted; returns the receipt code."""
    share = SharePage(page)
    share.open()
    share.body.fill(body)
    share.lcp(ARMLEY).check()
    share.myself.check()
    share.leave_email.check()
    share.email.fill(address)
    share.wants_updates.check()
    share.send_button.click()
    sent = SentPage(page)
    expect(sent.emailed).to_be_visible()
    expect(sent.code).to_have_text(CODE)
    return sent.code.inner_text()


def follow_up_link(app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str, address: str, code: str) -> str:
    """Deliver the receipt email and return its link for adding more."""
    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert message["Subject"] == RECEIPT_SUBJECT
    return link_in(mailbox, message, live_server, f"track/{code}/more")


def stored(app: Flask, code: str) -> Submission:
    with app.app_context():
        submission = db.session.scalar(select(Submission).where(Submission.receipt_code == code.replace("-", "")))
        assert submission is not None, f"no submission has the code {code}"
        # Load what the test reads before the session closes.
        _ = submission.contact, [routing.lcp.name for routing in submission.routings], submission.topics
        db.session.expunge_all()
        return submission


@dataclass(frozen=True)
class ComingItem:
    id: int
    title: str
    meeting_id: int
    lcp_slug: str
    lcp_name: str
    topics: tuple[str, ...]


def coming_agenda_item(app: Flask) -> ComingItem:
    """An agenda item of the soonest demo meeting that has not started, so it stays open for the whole test."""
    with app.app_context():
        item = db.session.scalars(
            select(AgendaItem)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(Meeting.starts_at > utcnow())
            .order_by(Meeting.starts_at, AgendaItem.position, AgendaItem.id)
        ).first()
        assert item is not None, "the demo content should have a coming meeting with an agenda"
        return ComingItem(
            id=item.id,
            title=item.title,
            meeting_id=item.meeting.id,
            lcp_slug=item.meeting.lcp.slug,
            lcp_name=item.meeting.lcp.name,
            topics=tuple(topic.label for topic in item.topics),
        )


class PageChecks:
    """axe (and, on a phone, sideways scrolling) on each state of a journey, reported together at the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.phone = page.viewport_size == PHONE
        self.problems: list[str] = []

    def check(self, label: str) -> None:
        if self.phone:
            found = phone_problems(self.page)
        else:
            found = [describe(violations)] if (violations := axe_violations(self.page)) else []
        if found:
            self.problems.append(f"{label} ({self.page.url}):\n" + "\n".join(found))

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


# 1. A resident shares anonymously and tracks it -------------------------------------------------------------------


def test_resident_shares_anonymously_and_tracks_it(page: Page, app: Flask) -> None:
    body = words("anonymous")
    share = SharePage(page)
    share.open()
    expect(share.heading).to_have_text(SHARE_HEADING)
    expect(page).to_have_title(f"{SHARE_HEADING} – Leeds Local Care Partnerships")

    # The count under the box changes as the person types, and screen readers hear it after a pause.
    expect(share.count_shown).to_have_text("You have 5,000 characters remaining")
    share.body.click()
    page.keyboard.type("Buses")
    expect(share.count_shown).to_have_text("You have 4,995 characters remaining")
    expect(share.count_announced).to_have_text("You have 4,995 characters remaining")
    share.body.fill(body)
    expect(share.count_shown).to_have_text(f"You have {5000 - len(body):,} characters remaining")
    share.topic(TRANSPORT).check()

    # A postcode shows the practices there and their partnerships; the person ticks theirs.
    set_marker(page)
    share.find("LS25 1HB")
    expect(share.found).to_be_focused()
    expect(share.found).to_contain_text("Garforth Medical Centre (LS25 1HB): LS25 & LS26 Local Care Partnership")
    expect(share.lcps.get_by_role("checkbox", checked=True)).to_have_count(0)
    share.lcp(LS25).check()
    expect_marker(page)
    # Updating the section in place kept what was typed and ticked above it.
    expect(share.body).to_have_value(body)
    expect(share.topic(TRANSPORT)).to_be_checked()

    sent = send_anonymously(share)
    code = sent.code.inner_text()
    # The code reaches the receipt through the session, never the address bar.
    expect(page).to_have_url(re.compile(r"/share/sent$"))
    expect(sent.emailed).to_have_count(0)

    sent.track_link.click()
    track = TrackPage(page)
    expect(page).to_have_url(re.compile(rf"/track/{code}$"))
    expect(track.heading).to_have_text("What happened to what you shared")
    expect(track.detail("Receipt code")).to_have_text(code)
    expect(track.detail("Topics")).to_have_text(TRANSPORT)
    expect(track.detail(LS25)).to_contain_text(RECEIVED)
    expect(track.history).to_have_count(1)
    expect(track.history).to_contain_text(["You sent it."])
    # The page is safe for anyone who sees the code: it never shows the words.
    expect(track.main).not_to_contain_text("The bus to the health centre")

    # The code looks itself up as the person might type it: in small letters, without the dash.
    lookup = TrackLookupPage(page)
    lookup.open()
    lookup.code.fill(code.replace("-", " ").lower())
    lookup.look_up_button.click()
    expect(page).to_have_url(re.compile(rf"/track/{code}$"))
    expect(track.detail(LS25)).to_contain_text(RECEIVED)

    submission = stored(app, code)
    assert submission.body == body
    assert submission.contact is None
    assert submission.speaks_for == "self"
    assert [routing.lcp.name for routing in submission.routings] == [LS25]


def test_finder_in_the_form_lists_each_practice_once(page: Page) -> None:
    share = SharePage(page)
    share.open()
    share.find("Garforth")
    expect(share.found.get_by_role("listitem").filter(has_text=re.compile(r"^Garforth Medical Centre "))).to_have_count(
        1, timeout=2_000
    )


# 2. An organisation shares for the people it works with, and gets a receipt email ----------------------------------


def test_organisation_shares_for_forty_people_and_gets_a_receipt_email(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = unique_email("organisation")
    body = words("organisation")
    share = SharePage(page)
    share.open()
    share.body.fill(body)
    # A practice named in full is in one partnership, so the finder ticks it.
    share.find(THORNTON)
    expect(share.found).to_contain_text(THORNTON_FOUND)
    expect(share.lcp(ARMLEY)).to_be_checked()
    share.topic(HOUSING).check()

    share.organisation.check()
    share.organisation_name.fill("Armley Carers Group")
    share.people_count.fill("40")
    share.may_publish_words.check()
    share.leave_email.check()
    share.name.fill("Sam Okafor")
    share.email.fill(address)
    for box in (share.may_contact, share.wants_updates, share.may_share):
        box.check()
    share.send_button.click()

    sent = SentPage(page)
    expect(sent.heading).to_have_text("We have received what you shared")
    expect(sent.emailed).to_be_visible()
    code = sent.code.inner_text()
    assert CODE.match(code), code

    # Nothing is sent until the outbox worker runs; then one receipt, with the code and both links.
    assert mailbox.to(address) == []
    deliver(app, smtp)
    message = only_email(mailbox, address)
    assert message["Subject"] == RECEIPT_SUBJECT
    text = mailbox.text(message)
    assert f"Your receipt code is: {code}" in text
    assert "Staff may email you about it." in text
    assert "We email you when its status changes or the partnership replies." in text
    assert "Staff may pass your words and email address" in text
    assert link_in(mailbox, message, live_server, "track") == f"{live_server}/track/{code}"
    more = link_in(mailbox, message, live_server, f"track/{code}/more")
    page.goto(more)
    expect(FollowUpPage(page).heading).to_have_text("Add to what you shared")

    submission = stored(app, code)
    assert submission.speaks_for == "organisation"
    assert submission.organisation_name == "Armley Carers Group"
    assert submission.people_count == 40
    assert submission.may_publish_words
    assert [routing.lcp.name for routing in submission.routings] == [ARMLEY]
    assert [topic.label for topic in submission.topics] == [HOUSING]
    contact = submission.contact
    assert contact is not None
    assert (contact.email, contact.name) == (address, "Sam Okafor")
    assert contact.may_contact and contact.wants_updates and contact.may_share


# 3. A comment on a coming meeting's agenda item ---------------------------------------------------------------------


def test_resident_comments_on_a_coming_agenda_item(page: Page, app: Flask) -> None:
    item = coming_agenda_item(app)
    # From the meeting's own page, where each item of a coming meeting invites comments.
    page.goto(f"/lcps/{item.lcp_slug}/meetings/{item.meeting_id}")
    # The link names its item in visually hidden text (after a colon), so each one says which item it is.
    comment = re.compile(rf"^Comment on this item\s*:\s*{re.escape(item.title)}$")
    page.get_by_role("main").get_by_role("link", name=comment).click()

    share = SharePage(page)
    expect(page).to_have_url(re.compile(rf"/share\?item={item.id}$"))
    expect(share.heading).to_have_text("Comment on an agenda item")
    expect(page).to_have_title("Comment on an agenda item – Leeds Local Care Partnerships")
    expect(share.main).to_contain_text(f"Your comment on “{item.title}”, for the {item.lcp_name} meeting on")
    # The item's partnership and topics come ticked.
    expect(share.lcps.get_by_role("checkbox", checked=True)).to_have_count(1)
    expect(share.lcp(item.lcp_name)).to_be_checked()
    for label in item.topics:
        expect(share.topic(label)).to_be_checked()

    share.body.fill(words("agenda item"))
    sent = send_anonymously(share)
    code = sent.code.inner_text()
    sent.track_link.click()
    track = TrackPage(page)
    expect(track.detail("Agenda item")).to_contain_text(item.title)
    expect(track.detail(item.lcp_name)).to_contain_text(RECEIVED)
    assert stored(app, code).agenda_item_id == item.id


def test_an_item_whose_meeting_is_over_is_not_commented_on(page: Page) -> None:
    share = SharePage(page, "?item=999999")
    share.open()
    expect(share.heading).to_have_text(SHARE_HEADING)
    expect(share.main).to_contain_text("That agenda item’s meeting has already taken place, or we could not find it.")


# 4. Adding more from the link in the receipt email ------------------------------------------------------------------


def test_person_adds_more_from_the_receipt_email_then_stops_emails_and_deletes_their_contact(
    page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    address = unique_email("follow-up")
    code = share_with_email(page, address, words("follow-up"))
    link = follow_up_link(app, mailbox, smtp, live_server, address, code)

    page.goto(link)
    follow = FollowUpPage(page)
    expect(follow.heading).to_have_text("Add to what you shared")
    expect(follow.main).to_contain_text(f"Receipt code {code}.")
    follow.add_button.click()
    expect(follow.error_summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Add to what you shared"))
    expect_error(follow.body, "Write what you would like to add")

    more = f"It stopped on Saturdays too ({uuid4().hex[:8]})."
    follow.body.fill(more)
    follow.add_button.click()
    expect(follow.success).to_contain_text(ADDED)
    expect(follow.body).to_have_value("")

    follow.track_link.click()
    track = TrackPage(page)
    expect(page).to_have_url(re.compile(rf"/track/{code}$"))
    expect(track.history).to_have_text([re.compile(r"You sent it\.$"), re.compile(r"You added more to it\.$")])
    expect(track.main).not_to_contain_text(more)

    page.goto(link)
    follow.stop_button.click()
    expect(follow.success).to_contain_text(STOPPED)
    expect(follow.stop_button).to_have_count(0)
    expect(follow.main).to_contain_text("We do not email you updates about this.")

    follow.delete_button.click()
    # It asks first (tests/browser/test_share_small_things.py has the question's own checks).
    expect(follow.heading).to_have_text("Are you sure you want to delete your contact details?")
    assert stored(app, code).contact is not None
    follow.main.get_by_role("button", name="Yes, delete my contact details", exact=True).click()
    expect(follow.heading).to_have_text("Your contact details are deleted")
    follow.main.get_by_role("link", name="track it", exact=True).click()
    expect(track.detail(ARMLEY)).to_contain_text(RECEIVED)
    assert stored(app, code).contact is None

    # The link in the email named the contact that is gone, so it no longer works.
    page.watch.allow_error_status(link, 400)  # type: ignore[attr-defined]
    response = page.goto(link)
    assert response is not None and response.status == 400
    expect(SitePage(page).heading).to_have_text("This link does not work")


# 5. Checking as the person goes, and on sending -------------------------------------------------------------------


def test_fields_are_checked_on_leaving_them_and_errors_keep_what_was_typed(page: Page) -> None:
    share = SharePage(page)
    share.open()
    set_marker(page)
    share.leave_email.check()
    share.email.fill("ann@")
    share.email.press("Tab")
    # The message arrives as soon as the person leaves the box, before anything is sent.
    expect_error(share.email, BAD_EMAIL)
    expect(share.main.get_by_text(BAD_EMAIL)).to_be_visible()
    expect(share.error_summary).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/share$"))
    share.email.fill("ann@example.org")
    share.email.press("Tab")
    expect(share.main.get_by_text(BAD_EMAIL)).to_have_count(0)
    expect(share.email).to_have_accessible_description(re.compile(r"^We send your receipt here"))

    share.organisation.check()
    share.organisation_name.fill("Armley Carers Group")
    share.people_count.fill("lots of us")
    share.people_count.press("Tab")
    expect_error(share.people_count, PEOPLE_NOT_A_NUMBER)
    share.neighbourhood.fill("Town Street")
    share.topic(HOUSING).check()
    expect_marker(page)

    # Sending with the words and the partnership missing: every problem at the top, each linked to its field.
    share.send_button.click()
    expect(share.error_summary).to_be_focused()
    expect(page).to_have_title(re.compile(rf"^Error: {SHARE_HEADING}"))
    no_lcp = "Choose a partnership, or tick “I am not sure”"
    problems = [
        ("Tell us what is happening", "#body", share.body),
        (no_lcp, "#lcps-0", share.lcps.get_by_role("checkbox").first),
        (PEOPLE_NOT_A_NUMBER, "#people_count", share.people_count),
    ]
    links = share.error_summary.get_by_role("link")
    expect(links).to_have_text([message for message, _anchor, _field in problems])
    for index, (_message, anchor, field) in enumerate(problems):
        expect(links.nth(index)).to_have_attribute("href", anchor)
        links.nth(index).click()
        expect(field).to_be_focused()
    expect_error(share.body, "Tell us what is happening")
    # A list of choices carries its message on the group, which its legend names.
    expect_error(share.lcps, no_lcp)
    expect_error(share.people_count, PEOPLE_NOT_A_NUMBER)

    # What was typed and ticked is all still there.
    expect(share.email).to_have_value("ann@example.org")
    expect(share.leave_email).to_be_checked()
    expect(share.organisation).to_be_checked()
    expect(share.organisation_name).to_have_value("Armley Carers Group")
    expect(share.people_count).to_have_value("lots of us")
    expect(share.neighbourhood).to_have_value("Town Street")
    expect(share.topic(HOUSING)).to_be_checked()


# 6. Without JavaScript --------------------------------------------------------------------------------------------


def test_resident_shares_finds_and_tracks_without_javascript(nojs_page: Page) -> None:
    page = nojs_page
    body = words("no scripts")
    share = SharePage(page)
    share.open()
    # No live count without scripts: the hint states the limit.
    expect(share.count_limit).to_be_visible()
    expect(share.count_shown).to_have_count(0)

    share.send_button.click()
    expect(share.error_summary).to_be_visible()
    expect(share.error_summary.get_by_role("link", name="Tell us what is happening")).to_have_attribute("href", "#body")

    share.body.fill(body)
    share.neighbourhood.fill("Armley Town Street")
    share.topic(HOUSING).check()
    share.myself.check()
    # "Find" sends the whole form back: the page comes back with the answer and everything typed kept.
    share.find(THORNTON)
    expect(share.found).to_contain_text(THORNTON_FOUND)
    expect(share.lcp(ARMLEY)).to_be_checked()
    expect(share.error_summary).to_have_count(0)
    expect(share.body).to_have_value(body)
    expect(share.neighbourhood).to_have_value("Armley Town Street")
    expect(share.topic(HOUSING)).to_be_checked()
    expect(share.myself).to_be_checked()
    expect(share.find_box).to_have_value(THORNTON)

    sent = send_anonymously(share)
    code = sent.code.inner_text()
    sent.track_link.click()
    track = TrackPage(page)
    expect(track.detail(ARMLEY)).to_contain_text(RECEIVED)
    expect(track.main).not_to_contain_text("The bus to the health centre")

    lookup = TrackLookupPage(page)
    lookup.open()
    lookup.look_up_button.click()
    expect(lookup.error_summary.get_by_role("link", name="Enter your receipt code, like ABCD-2345")).to_be_visible()
    lookup.code.fill(code)
    lookup.look_up_button.click()
    expect(page).to_have_url(re.compile(rf"/track/{code}$"))
    expect(track.detail("Receipt code")).to_have_text(code)


def test_person_adds_more_without_javascript(
    nojs_page: Page, app: Flask, mailbox: Mailbox, smtp: SmtpSettings, live_server: str
) -> None:
    page = nojs_page
    address = unique_email("no-scripts")
    code = share_with_email(page, address, words("no scripts, follow-up"))
    page.goto(follow_up_link(app, mailbox, smtp, live_server, address, code))
    follow = FollowUpPage(page)
    follow.body.fill("The Saturday bus has gone as well.")
    follow.add_button.click()
    expect(follow.success).to_contain_text(ADDED)
    follow.track_link.click()
    track = TrackPage(page)
    expect(track.history.last).to_have_text(re.compile(r"You added more to it\.$"))


# 7. Keyboard ------------------------------------------------------------------------------------------------------


def test_share_by_keyboard_alone(page: Page) -> None:
    share = SharePage(page)
    share.open()
    tab_to(page, share.body)
    expect_visible_focus(share.body)
    page.keyboard.type("The bus to the health centre no longer runs on Sundays.")
    expect(share.count_shown).to_have_text("You have 4,945 characters remaining")

    tab_to(page, share.topic(TRANSPORT))
    page.keyboard.press("Space")
    expect(share.topic(TRANSPORT)).to_be_checked()
    tab_to(page, share.find_box)
    expect_visible_focus(share.find_box)
    page.keyboard.type(THORNTON)
    # Enter in the finder finds; the answer takes focus, so it is read out.
    page.keyboard.press("Enter")
    expect(share.found).to_contain_text(THORNTON_FOUND)
    expect_visible_focus(share.found)
    expect(share.lcp(ARMLEY)).to_be_checked()

    for radio in (share.myself, share.anonymous):
        tab_to(page, radio, limit=60)
        expect_visible_focus(radio)
        page.keyboard.press("Space")
        expect(radio).to_be_checked()
    tab_to(page, share.send_button)
    expect_visible_focus(share.send_button)
    page.keyboard.press("Enter")

    sent = SentPage(page)
    expect(sent.code).to_have_text(CODE)
    tab_to(page, sent.track_link)
    expect_visible_focus(sent.track_link)
    page.keyboard.press("Enter")
    expect(TrackPage(page).detail(ARMLEY)).to_contain_text(RECEIVED)


def test_enter_in_a_text_box_sends_the_form(page: Page) -> None:
    """With scripts, Enter in any text box but the finder's sends, as people expect; it does not run Find."""
    share = SharePage(page)
    share.open()
    share.body.fill(words("enter"))
    share.lcp(ARMLEY).check()
    share.myself.check()
    share.anonymous.check()
    share.neighbourhood.fill("Armley")
    share.neighbourhood.press("Enter")
    expect(SentPage(page).code).to_have_text(CODE)


# 8. axe on every page in every state ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_share_pages_are_accessible_in_every_state(
    request: pytest.FixtureRequest,
    width: str,
    app: Flask,
    mailbox: Mailbox,
    smtp: SmtpSettings,
    live_server: str,
) -> None:
    page: Page = request.getfixturevalue("page" if width == "desktop" else "phone_page")
    checks = PageChecks(page)
    address = unique_email(f"axe-{width}")
    share = SharePage(page)
    share.open()
    checks.check("share, empty")
    share.send_button.click()
    expect(share.error_summary).to_be_focused()
    checks.check("share with errors")
    share.find("LS12")
    expect(share.found).to_contain_text("Thornton Medical Centre (LS12 1JE): Armley Local Care Partnership")
    checks.check("share after Find, practices to choose from")
    share.find(THORNTON)
    expect(share.found).to_contain_text(THORNTON_FOUND)
    checks.check("share after Find, partnership ticked")
    share.find_box.fill("")
    share.find_button.click()
    expect(share.found_heading).to_have_text("Type a GP practice or a postcode first")
    checks.check("share after Find with nothing typed")
    share.leave_email.check()
    share.email.fill("ann@")
    share.email.press("Tab")
    expect_error(share.email, BAD_EMAIL)
    checks.check("share with an error shown on leaving a field")

    share.body.fill(words(f"axe {width}"))
    share.email.fill(address)
    share.wants_updates.check()
    share.myself.check()
    share.send_button.click()
    sent = SentPage(page)
    expect(sent.emailed).to_be_visible()
    checks.check("receipt")
    code = sent.code.inner_text()

    sent.track_link.click()
    expect(TrackPage(page).detail(ARMLEY)).to_contain_text(RECEIVED)
    checks.check("track a code")
    lookup = TrackLookupPage(page)
    lookup.open()
    checks.check("track lookup")
    lookup.code.fill("nonsense")
    lookup.look_up_button.click()
    expect(lookup.error_summary).to_be_visible()
    checks.check("track lookup with an error")
    page.watch.allow_error_status(f"{live_server}/track/{UNKNOWN_CODE}", 404)  # type: ignore[attr-defined]
    lookup.code.fill(UNKNOWN_CODE)
    lookup.look_up_button.click()
    expect(lookup.heading).to_have_text("We could not find that receipt code")
    checks.check("unknown code")

    item = coming_agenda_item(app)
    SharePage(page, f"?item={item.id}").open()
    expect(share.heading).to_have_text("Comment on an agenda item")
    checks.check("share on an agenda item")

    link = follow_up_link(app, mailbox, smtp, live_server, address, code)
    page.goto(link)
    follow = FollowUpPage(page)
    expect(follow.heading).to_have_text("Add to what you shared")
    checks.check("follow-up")
    follow.add_button.click()
    expect(follow.error_summary).to_be_focused()
    checks.check("follow-up with errors")
    follow.body.fill("And on Saturdays.")
    follow.add_button.click()
    expect(follow.success).to_contain_text(ADDED)
    checks.check("follow-up after adding")
    follow.stop_button.click()
    expect(follow.success).to_contain_text(STOPPED)
    checks.check("follow-up after stopping emails")
    follow.track_link.click()
    expect(TrackPage(page).history.last).to_have_text(re.compile(r"You added more to it\.$"))
    checks.check("track after adding")
    page.goto(link)
    follow.delete_button.click()
    expect(follow.heading).to_have_text("Are you sure you want to delete your contact details?")
    checks.check("asked before deleting contact details")
    follow.main.get_by_role("button", name="Yes, delete my contact details", exact=True).click()
    expect(follow.heading).to_have_text("Your contact details are deleted")
    checks.check("contact deleted")
    checks.assert_clean()


def test_share_pages_are_accessible_without_scripts(scriptless_page: Page) -> None:
    """The full-page answers a browser without JavaScript gets: errors, and the form sent back by Find."""
    page = scriptless_page
    checks = PageChecks(page)
    share = SharePage(page)
    share.open()
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    checks.check("share, empty")
    share.send_button.click()
    expect(share.error_summary).to_be_visible()
    checks.check("share with errors")
    share.body.fill(words("no scripts, axe"))
    share.find("LS12")
    checks.check("share after Find, practices to choose from")
    share.find(THORNTON)
    checks.check("share after Find, partnership ticked")
    send_anonymously(share)
    checks.check("receipt")
    checks.assert_clean()


# 9. Right to left -------------------------------------------------------------------------------------------------


def expect_mirrored(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    heading = page.get_by_role("heading", level=1).bounding_box()
    main = page.get_by_role("main").bounding_box()
    assert heading is not None and main is not None
    # The heading starts at the right edge of the main column, not the left.
    assert abs((heading["x"] + heading["width"]) - (main["x"] + main["width"])) < 40


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_share_and_track_right_to_left(request: pytest.FixtureRequest, width: str, say_in) -> None:
    page: Page = request.getfixturevalue("rtl_page" if width == "desktop" else "rtl_phone_page")
    say = say_in("ar")
    checks = PageChecks(page)
    share = SharePage(page, say=say)
    share.open()
    expect_mirrored(page)
    checks.check("share, right to left")
    share.body.fill(words("right to left"))
    share.find(THORNTON)
    expect(share.lcp(ARMLEY)).to_be_checked()
    checks.check("share after Find, right to left")
    sent = send_anonymously(share)
    expect_mirrored(page)
    checks.check("receipt, right to left")
    sent.track_link.click()
    track = TrackPage(page, say=say)
    expect(track.detail(ARMLEY)).to_contain_text(say(RECEIVED))
    expect_mirrored(page)
    # On a phone this also checks that nothing scrolls sideways.
    checks.check("track, right to left")
    checks.assert_clean()
