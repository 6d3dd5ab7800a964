"""Page objects: each page as a resident meets it, found only by role, label and visible text.

Accessible locators mean a test fails when a screen reader user would lose their way too,
not only when the markup moves.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, Response, expect

# What a page object calls to turn an English message into the words the page is read in.
Say = Callable[..., str]


def english(message: str, **values: object) -> str:
    """The site's own words: a message with its placeholders filled in."""
    return message % values if values else message


def with_any(say: Say, message: str, name: str) -> re.Pattern[str]:
    """A name made from `message` with anything in place of its one placeholder `name`, in the reader's words."""
    parts = say(message, **{name: "\x00"}).split("\x00")
    return re.compile("^" + ".+".join(re.escape(part) for part in parts) + "$")


def starts_with(text: str) -> re.Pattern[str]:
    """An accessible name that begins with the opening words of `text` (a label followed by more)."""
    return re.compile("^" + re.escape(text[:24]))


SEARCH_LABEL = "Which GP practice are you registered with?"
PHONE = {"width": 375, "height": 812}


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until `target` has focus, as a keyboard user would; fail if it is never reached."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} was not reached with {limit} presses of Tab")


class SitePage:
    """What every page shares: the skip link, the header and its menu, the main landmark."""

    path = "/"

    def __init__(self, page: Page, say: Say = english) -> None:
        self.page = page
        self.say = say
        self.skip_link = page.get_by_role("link", name=self.say("Skip to main content"))
        self.banner = page.get_by_role("banner")
        self.service_link = self.banner.get_by_role("link", name=self.say("Leeds Local Care Partnerships"))
        self.menu = page.get_by_role("navigation", name=self.say("Menu"))
        self.main = page.get_by_role("main")
        self.heading = page.get_by_role("heading", level=1)

    def open(self, path: str | None = None) -> Response | None:
        return self.page.goto(path or self.path)

    def menu_link(self, name: str) -> Locator:
        """A link of the staff menu by its words; the inbox's may carry the count of urgent items after them."""
        return self.menu.get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s+Urgent\b.*)?$"))


class SearchForm(SitePage):
    """The find-your-LCP box, on the home page and the find page."""

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.search_box = page.get_by_label(self.say(SEARCH_LABEL))
        self.find_button = page.get_by_role("button", name=self.say("Find my LCP"))

    def lcp_link(self, name: str) -> Locator:
        return self.main.get_by_role("link", name=name, exact=True)


class HomePage(SearchForm):
    path = "/"


class FindPage(SearchForm):
    path = "/find"

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        # The live region that tells screen reader users the results changed.
        self.status = page.get_by_role("status")
        self.practice_search_link = self.main.get_by_role("link", name=self.say("Search by your GP practice’s name"))
        self.all_lcps_link = self.main.get_by_role("link", name=self.say("all Local Care Partnerships"))

    def type_live(self, query: str) -> None:
        """Type into the search box key by key, without submitting, as live search expects."""
        self.search_box.click()
        self.page.keyboard.type(query, delay=120)


class DirectoryPage(SitePage):
    path = "/lcps"

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.topic = page.get_by_label(self.say("Topic"), exact=True)
        self.area = page.get_by_label(self.say("Area"), exact=True)
        self.apply_button = page.get_by_role("button", name=self.say("Apply filters"))
        self.status = page.get_by_role("status")
        # Each partnership in the list is a card whose heading links to its page.
        self.lcp_headings = self.main.get_by_role("heading", level=3)
        self.results_heading = self.main.get_by_role("heading", level=2)

    def lcp_link(self, name: str) -> Locator:
        return self.lcp_headings.get_by_role("link", name=name, exact=True)

    def expect_only(self, *names: str) -> None:
        expect(self.lcp_headings).to_have_text(list(names))


class LcpPage(SitePage):
    def __init__(self, page: Page, slug: str = "ls25-ls26", say: Say = english) -> None:
        super().__init__(page, say)
        self.path = f"/lcps/{slug}"
        self.gp_practices_heading = self.main.get_by_role("heading", name=self.say("GP practices"), exact=True)
        self.contents = self.main.get_by_role("navigation", name=self.say("On this page"))
        self.next_meeting_heading = self.main.get_by_role("heading", name=self.say("Next meeting"), exact=True, level=2)
        # The card that follows the "Next meeting" heading.
        self.next_meeting = self.main.locator("#next-meeting + .app-meeting")
        self.calendar_link = self.main.get_by_role(
            "link", name=self.say("Get this partnership’s meetings in your calendar")
        )
        # The updates feed is offered to browsers and feed readers in the page's head, not as a link to read.
        self.updates_feed = page.locator("head link[rel=alternate][type='application/atom+xml']")
        self.maturity_table = self.main.get_by_role(
            "table", name=with_any(self.say, "Self-assessment of %(date)s", "date")
        )
        self.agenda_items = self.main.get_by_role("listitem").filter(has_text=re.compile(r"^Example item:"))

    def practice(self, name: str) -> Locator:
        # The practice's name, then perhaps its postcode or when it closed.
        return self.main.get_by_role("listitem").filter(has_text=re.compile(f"^{re.escape(name)}(\\s|$)"))

    def topic_tags(self, item: Locator) -> Locator:
        return item.get_by_role("list", name=self.say("Topics")).get_by_role("link")


class SubscribePage(SitePage):
    """How to get a partnership's meetings into a calendar app, or its updates into a feed reader."""

    def __init__(self, page: Page, query: str = "", say: Say = english) -> None:
        super().__init__(page, say)
        self.path = f"/subscribe{query}"
        self.subscribe_link = self.main.get_by_role("link", name=self.say("Subscribe in your calendar"), exact=True)
        self.calendar_box = self.main.get_by_role("textbox", name=self.say("Calendar link"), exact=True)
        self.copy_calendar_button = self.main.get_by_role(
            "button", name=self.say("Copy link to the calendar"), exact=True
        )
        self.feed_box = self.main.get_by_role("textbox", name=self.say("News feed link"), exact=True)
        self.copy_status = self.main.get_by_role("status").filter(has_text=self.say("Link copied"))

    def app_steps(self, app: str) -> Locator:
        """The "details" summary for one calendar app; its steps show when it is opened."""
        return self.main.locator("summary").filter(has_text=re.compile(f"^\\s*{re.escape(app)}\\s*$"))


CONSENT_LABEL = re.compile(r"^I agree that Leeds Local Care Partnerships may keep my email address")
CONSENT = (
    "I agree that Leeds Local Care Partnerships may keep my email address and the choices on this page, to send "
    "me the emails I chose. I can change or delete them at any time."
)


class RegisterPage(SitePage):
    """Registering to follow partnerships and topics: one form, perhaps arrived at with choices ticked."""

    def __init__(self, page: Page, query: str = "", say: Say = english) -> None:
        super().__init__(page, say)
        self.path = f"/register{query}"
        self.email = self.main.get_by_role("textbox", name=self.say("Email address"), exact=True)
        self.kind = self.main.get_by_role("group", name=self.say("Who are you registering for?"), exact=True)
        self.lcps = self.main.get_by_role("group", name=self.say("Local Care Partnerships"), exact=True)
        self.topics = self.main.get_by_role("group", name=self.say("Topics"), exact=True)
        self.frequency = self.main.get_by_role("group", name=self.say("How often should we email you?"), exact=True)
        self.language = self.main.get_by_role("combobox", name=self.say("Language for emails"), exact=True)
        self.consent = self.main.get_by_role("checkbox", name=starts_with(self.say(CONSENT)))
        self.register_button = self.main.get_by_role("button", name=self.say("Register"), exact=True)
        self.error_summary = page.get_by_role("alert", name=self.say("There is a problem"))

    def lcp(self, name: str) -> Locator:
        return self.lcps.get_by_role("checkbox", name=name, exact=True)

    def topic(self, label: str) -> Locator:
        return self.topics.get_by_role("checkbox", name=label, exact=True)

    def fill(
        self,
        email: str,
        lcps: tuple[str, ...] = (),
        topics: tuple[str, ...] = (),
        frequency: str = "Once a week",
    ) -> None:
        """Complete the form as a resident registering for themselves; choices already ticked stay ticked."""
        self.email.fill(email)
        self.kind.get_by_role("radio", name=self.say("Myself, as someone who lives or works in Leeds")).check()
        for name in lcps:
            self.lcp(name).check()
        for label in topics:
            self.topic(label).check()
        self.frequency.get_by_role("radio", name=self.say(frequency), exact=True).check()
        # Emails are in English unless the person chooses otherwise.
        expect(self.language).to_have_value("en_GB")
        self.consent.check()


class ConfirmPage(SitePage):
    """Where the link in the confirmation email leads: one button, so a link checker confirms nothing."""

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.confirm_button = self.main.get_by_role("button", name=self.say("Confirm and start following"), exact=True)


class PreferencesPage(SitePage):
    """A person's own page, reached only through a signed link: what they follow, their calendar, their data."""

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.success = page.get_by_role("alert", name=self.say("Success"))
        self.lcps = self.main.get_by_role("group", name=self.say("Local Care Partnerships"), exact=True)
        self.topics = self.main.get_by_role("group", name=self.say("Topics"), exact=True)
        self.frequency = self.main.get_by_role("group", name=self.say("How often should we email you?"), exact=True)
        self.language = self.main.get_by_role("combobox", name=self.say("Language for emails"), exact=True)
        self.save_button = self.main.get_by_role("button", name=self.say("Save my choices"), exact=True)
        self.subscribe_link = self.main.get_by_role("link", name=self.say("Subscribe in your calendar"), exact=True)
        self.calendar_box = self.main.get_by_role("textbox", name=self.say("Your calendar link"), exact=True)
        self.json_link = self.main.get_by_role("link", name=self.say("Download your data as JSON"), exact=True)
        self.csv_link = self.main.get_by_role(
            "link", name=self.say("Download your data as a spreadsheet (CSV)"), exact=True
        )
        self.delete_link = self.main.get_by_role("link", name=self.say("Delete all my data"), exact=True)

    def lcp(self, name: str) -> Locator:
        return self.lcps.get_by_role("checkbox", name=name, exact=True)

    def topic(self, label: str) -> Locator:
        return self.topics.get_by_role("checkbox", name=label, exact=True)

    def frequency_choice(self, name: str) -> Locator:
        return self.frequency.get_by_role("radio", name=name, exact=True)


class DeletePage(SitePage):
    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.delete_button = self.main.get_by_role("button", name=self.say("Delete all my data"), exact=True)
        self.keep_link = self.main.get_by_role("link", name=self.say("Keep my data and go back"), exact=True)


class PreferencesRequestPage(SitePage):
    """/preferences: no password, so a lost link is replaced by emailing a new one."""

    path = "/preferences"

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.email = self.main.get_by_role("textbox", name=self.say("Email address"), exact=True)
        self.send_button = self.main.get_by_role("button", name=self.say("Email me a link"), exact=True)


class UnsubscribePage(SitePage):
    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.stop_button = self.main.get_by_role("button", name=self.say("Stop all emails"), exact=True)


class FollowSlot:
    """The follow control on an LCP or topic page: a link into registration, or, for someone the site
    recognises, a toggle that htmx swaps in after the page loads."""

    def __init__(self, page: Page, name: str) -> None:
        main = page.get_by_role("main")
        self.name = name
        self.link = main.get_by_role("link", name=f"Follow {name}", exact=True)
        self.follow_button = main.get_by_role("button", name=f"Follow {name}", exact=True)
        # "Stop following" carries the name in visually hidden text, so each button says what it stops.
        self.stop_button = main.get_by_role("button", name=f"Stop following {name}", exact=True)
        self.following = main.get_by_text(f"You follow {name}.", exact=True)


SHARE_HEADING = "Tell a Local Care Partnership what is happening"


class SharePage(SitePage):
    """/share: what is happening, which partnership should hear it (with a finder inside the form), who it
    affects, who is speaking, and whether to leave an email address."""

    def __init__(self, page: Page, query: str = "", say: Say = english) -> None:
        super().__init__(page, say)
        self.path = f"/share{query}"
        main = self.main
        self.error_summary = page.get_by_role("alert", name=self.say("There is a problem"))
        self.body = main.get_by_role("textbox", name=self.say("What is happening?"), exact=True)
        # The NHS.UK character count has two messages without a role: one people see (hidden from screen
        # readers) and one screen readers hear (a polite live region, visually hidden), updated after a pause.
        self.count_shown = main.locator(".nhsuk-character-count__status")
        self.count_announced = main.locator(".nhsuk-character-count__sr-status")
        # Without scripts the hint under the box states the limit instead.
        self.count_limit = main.get_by_text(self.say("You can enter up to 5,000 characters"), exact=True)
        self.topics = main.get_by_role("group", name=self.say("Which topics is it about? (optional)"), exact=True)
        self.lcps = main.get_by_role("group", name=self.say("Which Local Care Partnership should hear it?"), exact=True)
        self.lcp_unsure = main.get_by_role(
            "checkbox", name=self.say("I am not sure: let the team pass it to the right partnership"), exact=True
        )
        self.find_box = main.get_by_role(
            "textbox", name=self.say("Find a partnership by GP practice or postcode"), exact=True
        )
        self.find_button = main.get_by_role("button", name=self.say("Find"), exact=True)
        # What the finder found: a box that takes focus when it arrives, headed "What we found for …".
        self.found = main.locator("#lcp-hint")
        self.found_heading = self.found.get_by_role("heading", level=3)
        self.neighbourhood = main.get_by_role(
            "textbox", name=self.say("Which neighbourhood or street is it about? (optional)"), exact=True
        )
        self.speaks_for = main.get_by_role("group", name=self.say("Who are you speaking for?"), exact=True)
        self.myself = self.speaks_for.get_by_role("radio", name=self.say("Myself"), exact=True)
        self.organisation = self.speaks_for.get_by_role(
            "radio", name=self.say("An organisation or group, on behalf of the people it works with"), exact=True
        )
        self.organisation_name = main.get_by_role(
            "textbox", name=self.say("Name of the organisation or group"), exact=True
        )
        self.people_count = main.get_by_role(
            "textbox", name=self.say("About how many people are you speaking for?"), exact=True
        )
        self.may_publish_words = main.get_by_role(
            "checkbox",
            name=starts_with(
                self.say("You may quote my words on this website when you publish what happened, without my name")
            ),
        )
        self.contact = main.get_by_role("group", name=self.say("Can the team contact you about this?"), exact=True)
        self.anonymous = self.contact.get_by_role("radio", name=self.say("No, keep it anonymous"), exact=True)
        self.leave_email = self.contact.get_by_role(
            "radio", name=self.say("Yes, I will leave an email address"), exact=True
        )
        self.name = main.get_by_role("textbox", name=self.say("Your name (optional)"), exact=True)
        self.email = main.get_by_role("textbox", name=self.say("Email address"), exact=True)
        self.may_contact = main.get_by_role(
            "checkbox", name=self.say("Staff may email me to ask about what I shared"), exact=True
        )
        self.wants_updates = main.get_by_role(
            "checkbox", name=self.say("Email me when its status changes or the partnership replies"), exact=True
        )
        self.may_share = main.get_by_role(
            "checkbox",
            name=starts_with(
                self.say(
                    "Staff may pass my words and email address to the partner organisations named on the partnership’s "
                    "page, so they can act on it"
                )
            ),
        )
        self.send_button = main.get_by_role("button", name=self.say("Send"), exact=True)

    def lcp(self, name: str) -> Locator:
        return self.lcps.get_by_role("checkbox", name=name, exact=True)

    def topic(self, label: str) -> Locator:
        return self.topics.get_by_role("checkbox", name=label, exact=True)

    def find(self, query: str) -> None:
        """Type into the inline finder and press its button (htmx swaps the section, or the page comes back)."""
        self.find_box.fill(query)
        self.find_button.click()
        expect(self.found_heading).to_have_text(self.say("What we found for “%(query)s”", query=query))


class SentPage(SitePage):
    """/share/sent: the receipt, with the code that is the only way back to what was shared."""

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.code = self.main.locator("#receipt-code")
        self.emailed = self.main.get_by_text(
            self.say("We have also emailed you a receipt, with a link to add more to what you said."), exact=True
        )
        self.track_link = self.main.get_by_role("link", name=self.say("See what happens to it"), exact=True)
        self.share_again_link = self.main.get_by_role("link", name=self.say("Share something else"), exact=True)


class TrackLookupPage(SitePage):
    path = "/track"

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.code = self.main.get_by_role("textbox", name=self.say("Receipt code"), exact=True)
        self.look_up_button = self.main.get_by_role("button", name=self.say("Look it up"), exact=True)
        self.error_summary = page.get_by_role("alert", name=self.say("There is a problem"))


class TrackPage(SitePage):
    """/track/<code>: where a submission is with each partnership, and its history, never its words."""

    def __init__(self, page: Page, code: str = "", say: Say = english) -> None:
        super().__init__(page, say)
        self.path = f"/track/{code}"
        # The history is the list under the "History" heading, oldest first.
        self.history = self.main.locator("ol.app-history > li")

    def detail(self, key: str) -> Locator:
        """The value beside a key in the page's summary lists: "Receipt code", "Topics", or a partnership's name."""
        row = self.main.locator(".nhsuk-summary-list__row").filter(
            has=self.page.get_by_role("term").filter(has_text=re.compile(f"^{re.escape(key)}$"))
        )
        return row.get_by_role("definition")


class FollowUpPage(SitePage):
    """/track/<code>/more/<token>, from the receipt email: add to what was shared, stop emails, delete contact."""

    def __init__(self, page: Page, say: Say = english) -> None:
        super().__init__(page, say)
        self.error_summary = page.get_by_role("alert", name=self.say("There is a problem"))
        self.success = page.get_by_role("alert", name=self.say("Success"))
        self.body = self.main.get_by_role("textbox", name=self.say("What would you like to add?"), exact=True)
        self.add_button = self.main.get_by_role("button", name=self.say("Add it"), exact=True)
        self.track_link = self.main.get_by_role("link", name=self.say("See what has happened to it"), exact=True)
        self.stop_button = self.main.get_by_role("button", name=self.say("Stop emails about this"), exact=True)
        self.delete_button = self.main.get_by_role("button", name=self.say("Delete my contact details"), exact=True)


class StaffSignIn(SitePage):
    """The staff sign-in: email and password, then the authenticator code (or setting the app up)."""

    path = "/admin/login"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.email = page.get_by_label("Email address")
        self.password = page.get_by_label("Password", exact=True)
        self.continue_button = page.get_by_role("button", name="Continue")
        self.code = page.get_by_label("Code from your authenticator app")
        self.sign_in_button = page.get_by_role("button", name="Sign in")
        self.secret = page.locator("#totp-secret")
        self.qr = page.get_by_role("img", name="QR code to add this account to an authenticator app")
        self.recovery_codes = page.locator("#recovery-codes li")
        self.saved_codes = page.get_by_role("link", name="I have saved my codes: continue")

    def password_step(self, email: str, password: str) -> None:
        self.email.fill(email)
        self.password.fill(password)
        self.continue_button.click()


class StaffPage(SitePage):
    """Any page of the staff area: its own header, menu and account bar."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.menu = page.get_by_role("navigation", name="Staff menu")
        self.sign_out = self.banner.get_by_role("button", name="Sign out")


class PeoplePage(StaffPage):
    """The staff page of who follows each partnership."""

    path = "/admin/people"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.partnership = page.get_by_label("Partnership", exact=True)
        self.show = page.get_by_role("button", name="Show followers")
        self.download = page.get_by_role("button", name="Download as a spreadsheet (CSV)")
        self.contactable = page.get_by_role("table", name=re.compile("^Followers of "))
        self.not_listed = page.locator("#not-listed")

    def row(self, email: str):
        return self.contactable.get_by_role("row").filter(has_text=email)
