"""Layout on a phone: tick boxes beside their words in every language, and long typed words kept in the page.

NHS.UK frontend draws each checkbox and radio as its label's ::before, placed with `left`, so on a page read
right to left it would sit on the left of right-aligned words, and on the first letters of an English name.
The site mirrors those styles for dir="rtl"; these tests measure every box on every public form.

People type (and paste) words longer than a phone is wide: a web address, a word held down. Wherever the site
shows typed text again, to the person or to staff, it wraps instead of making the page scroll sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.clock import utcnow
from app.config import Config
from app.extensions import db
from app.models import Consent, Follower
from app.services import sharing
from app.services.people import lcps_by_slug
from app.services.tokens import Purpose, make_token
from tests.browser.checks import SMALLEST_PHONE, sideways_problems
from tests.browser.conftest import _guarded_page
from tests.browser.pages import HomePage, SentPage, SharePage, TrackPage
from tests.browser.test_admin import secret_of, sign_in

pytestmark = pytest.mark.browser

WIDTHS = [320, 375]
RIGHT_TO_LEFT = {"ar", "ur"}
# Every public form with checkboxes or radios (the preferences page is added with a token of its own).
FORMS = [
    "/share",
    "/register",
    "/match",
    "/match?topic=ageing-well&areas=LS14%2C+Roundhay",
    "/preferences",
]

# For each checkbox and radio in `root`: where its box (the label's ::before), its tick or dot (::after),
# its touch target (the invisible input), its words and its hint are, in the window's pixels.
CHOICES = """root => {
  const px = value => parseFloat(value) || 0;
  const rect = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  // The border box of a pseudo-element, placed in its containing block (the nearest positioned ancestor).
  const pseudo = (label, which) => {
    const style = getComputedStyle(label, which);
    const holder = label.offsetParent;
    const origin = holder.getBoundingClientRect();
    const extra = style.boxSizing === "content-box"
      ? [px(style.borderLeftWidth) + px(style.borderRightWidth) + px(style.paddingLeft) + px(style.paddingRight),
         px(style.borderTopWidth) + px(style.borderBottomWidth) + px(style.paddingTop) + px(style.paddingBottom)]
      : [0, 0];
    const left = origin.left + holder.clientLeft + px(style.left);
    const top = origin.top + holder.clientTop + px(style.top);
    const width = px(style.width) + extra[0], height = px(style.height) + extra[1];
    // A transform turns the box about its centre, so the centre moves only by the translation.
    const shift = style.transform === "none" ? new DOMMatrix() : new DOMMatrix(style.transform);
    return {left, right: left + width, top, bottom: top + height,
            x: left + width / 2 + shift.e, y: top + height / 2 + shift.f};
  };
  // The boxes of the words a person sees (text hidden for screen readers only is left out).
  const words = element => {
    const boxes = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest(".nhsuk-u-visually-hidden")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      boxes.push(...[...range.getClientRects()].filter(r => r.width && r.height).map(rect));
    }
    return boxes;
  };
  return [...root.querySelectorAll(".nhsuk-checkboxes__input, .nhsuk-radios__input")]
    .filter(input => input.getClientRects().length && input.labels.length)
    .map(input => {
      const label = input.labels[0];
      const hint = input.parentElement.querySelector(".nhsuk-checkboxes__hint, .nhsuk-radios__hint");
      return {
        name: label.textContent.trim().replace(/\\s+/g, " ").slice(0, 40),
        box: pseudo(label, "::before"),
        tick: pseudo(label, "::after"),
        target: rect(input.getBoundingClientRect()),
        words: words(label),
        hint: hint ? words(hint) : [],
      };
    });
}"""
SLACK = 0.5  # pixels: rounding, never a real overlap


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"] - SLACK
        and b["left"] < a["right"] - SLACK
        and a["top"] < b["bottom"] - SLACK
        and b["top"] < a["bottom"] - SLACK
    )


def choice_problems(choice: dict, right_to_left: bool) -> list[str]:
    """What is wrong with one checkbox or radio: its box on its words, on the wrong side, its tick astray."""
    box, name, problems = choice["box"], f"“{choice['name']}”", []
    if not choice["words"]:
        problems.append(f"{name}: no words shown")
    if any(overlaps(box, words) for words in choice["words"]):
        problems.append(f"{name}: the box covers its words")
    for part, boxes in (("words", choice["words"]), ("hint", choice["hint"])):
        if right_to_left and any(words["right"] > box["left"] + SLACK for words in boxes):
            problems.append(f"{name}: the box is not on the right of its {part}")
        if not right_to_left and any(words["left"] < box["right"] - SLACK for words in boxes):
            problems.append(f"{name}: the box is not on the left of its {part}")
    tick, target = choice["tick"], choice["target"]
    if not (box["left"] < tick["x"] < box["right"] and box["top"] < tick["y"] < box["bottom"]):
        problems.append(f"{name}: the tick or dot is outside its box")
    centre_x, centre_y = (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2
    if not (target["left"] < centre_x < target["right"] and target["top"] < centre_y < target["bottom"]):
        problems.append(f"{name}: tapping the box misses the control")
    return problems


@pytest.fixture(scope="module")
def preferences_path(app: Flask) -> Iterator[str]:
    """A confirmed follower's preferences page: the same choices as registering, ticked."""
    with app.test_request_context():
        follower = Follower(
            email="layout-preferences@example.org",
            confirmed_at=utcnow(),
            interests="news contact",
            lcps=lcps_by_slug(["armley", "hatch"]),
        )
        db.session.add(follower)
        db.session.commit()
        path, ident = f"/preferences/{make_token(follower, Purpose.PREFERENCES)}", follower.id
    yield path
    with app.app_context():
        db.session.delete(db.session.get(Follower, ident))
        db.session.commit()


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def narrow_page(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server, viewport={"width": request.param, "height": 800})


@pytest.mark.parametrize("language", Config.LANGUAGES)
@pytest.mark.parametrize("path", FORMS)
def test_each_box_is_beside_its_words(narrow_page: Page, preferences_path: str, path: str, language: str) -> None:
    path = preferences_path if path == "/preferences" else path
    narrow_page.goto(f"{path}{'&' if '?' in path else '?'}lang={language}")
    right_to_left = language in RIGHT_TO_LEFT
    expect(narrow_page.locator("html")).to_have_attribute("dir", "rtl" if right_to_left else "ltr")
    choices = narrow_page.get_by_role("main").evaluate(CHOICES)
    assert len(choices) >= 2, f"{path} shows no checkboxes or radios"
    problems = [problem for choice in choices for problem in choice_problems(choice, right_to_left)]
    assert not problems, f"{path} in {language}:\n" + "\n".join(problems)


# Part two: long words. Each is one word to a browser's line breaking, wider than any screen.
WORD_300 = ("Llanfairpwllgwyngyll" * 15)[:300]
WORD_3000 = ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 67)[:3000]
NHS_ADDRESS = (
    "https://www.nhs.uk/nhs-services/gps/how-to-register-with-a-gp-surgery/?utm_source=leedsnewsletter&"
    "utm_campaign=registeringwithagpsurgeryinleedsduringwinter2026foreveryoneincludingpeoplewithoutafixedaddress"
)
LCP = "wetherby"
LCP_NAME = "Wetherby Local Care Partnership"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def smallest_phone(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _guarded_page(browser, live_server, viewport=SMALLEST_PHONE)


def assert_fits(page: Page) -> None:
    problems = sideways_problems(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("words", [WORD_300, NHS_ADDRESS], ids=["long-word", "nhs-address"])
@pytest.mark.parametrize("start", ["/", "/find"])
def test_a_long_search_keeps_the_finder_on_the_screen(smallest_phone: Page, start: str, words: str) -> None:
    """From the home page the answer is a new page; on the finder, htmx swaps the results and the title in."""
    finder = HomePage(smallest_phone)
    finder.open(start)
    finder.search_box.fill(words)
    finder.find_button.click()
    expect(smallest_phone).to_have_title(re.compile("^Results for “"))
    expect(smallest_phone.get_by_role("main")).to_contain_text(words[:40])
    assert_fits(smallest_phone)
    # The title, which a browser shows in its tab and a screen reader reads first, echoes only the start.
    assert len(smallest_phone.title()) < 120, smallest_phone.title()


def test_long_areas_keep_the_match_page_on_the_screen(smallest_phone: Page) -> None:
    smallest_phone.goto("/match?topic=ageing-well")
    main = smallest_phone.get_by_role("main")
    main.get_by_role("textbox", name="Which areas do you serve?").fill(f"LS22, {WORD_300}, {NHS_ADDRESS}")
    main.get_by_role("button", name="Rank the partnerships").click()
    expect(main).to_contain_text(WORD_300[:40])
    assert_fits(smallest_phone)


@pytest.fixture
def shared_codes(app: Flask) -> Iterator[list[str]]:
    """Receipt codes of what a test shared: the submissions and their published replies are removed afterwards."""
    codes: list[str] = []
    yield codes
    with app.app_context():
        for code in codes:
            submission = sharing.find_by_code(code)
            if submission is not None:
                # The replies through the session, so that the public pages that showed them are made again.
                for response in submission.responses:
                    db.session.delete(response)
                db.session.delete(submission)
        db.session.commit()


@pytest.fixture
def long_follower(app: Flask) -> Iterator[None]:
    """An organisation following the partnership that may be contacted, whose name and areas are long words."""
    with app.app_context():
        follower = Follower(
            email=f"{WORD_300[:60]}@example.org",
            kind="organisation",
            organisation_name=WORD_300[:200],
            organisation_type="charity",
            organisation_areas=f"{WORD_300} {NHS_ADDRESS}",
            interests="news contact",
            confirmed_at=utcnow(),
            lcps=lcps_by_slug([LCP]),
        )
        follower.consents.append(
            Consent(purpose="contact", wording="The teams of the partnerships I follow may email me.", version="test")
        )
        db.session.add(follower)
        db.session.commit()
        ident = follower.id
    yield
    with app.app_context():
        db.session.delete(db.session.get(Follower, ident))
        db.session.commit()


def test_long_words_shared_stay_on_the_screen_for_the_person_staff_and_the_public(
    smallest_phone: Page, app: Flask, make_staff, shared_codes: list[str], long_follower: None
) -> None:
    page = smallest_phone
    share = SharePage(page)
    share.open()
    share.body.fill(f"{WORD_3000} {NHS_ADDRESS}")
    share.find(WORD_300)
    assert_fits(page)  # the inline finder's answer echoes what was typed
    share.lcp(LCP_NAME).check()
    share.neighbourhood.fill(WORD_300[:200])
    share.organisation.check()
    share.organisation_name.fill(WORD_300[:200])
    share.may_publish_words.check()
    share.anonymous.check()
    # Sent back with its problems (the finder's box takes 100 characters; the number of people is needed),
    # the form shows everything typed again.
    share.send_button.click()
    expect(share.error_summary).to_be_visible()
    assert_fits(page)
    share.find_box.fill("")
    share.people_count.fill("40")
    share.send_button.click()

    sent = SentPage(page)
    code = sent.code.inner_text().strip()
    shared_codes.append(code)
    assert_fits(page)
    sent.track_link.click()
    expect(TrackPage(page).heading).to_have_text("What happened to what you shared")
    assert_fits(page)

    # Staff read it in full on the item page, on a phone. The staff member's name, typed by an admin, is long too.
    with app.app_context():
        ident = sharing.find_by_code(code).id
    user = make_staff("staff", (LCP,), name=WORD_300[:100])
    sign_in(page, user.email, secret_of(app, user), set())
    page.goto(f"/admin/submissions/{ident}")
    expect(page.locator("#submission-body")).to_contain_text(WORD_3000[:50])
    assert_fits(page)
    # The inbox and the people page are wide tables, for a wide screen: long words must not widen them past it.
    page.set_viewport_size(DESKTOP)
    page.goto("/admin/inbox")
    expect(page.get_by_role("link", name=re.compile(re.escape(WORD_3000[:40])))).to_be_visible()
    assert_fits(page)
    page.goto(f"/admin/people?lcp={LCP}")
    expect(page.get_by_role("main")).to_contain_text(WORD_300[:40])
    assert_fits(page)
    page.set_viewport_size(SMALLEST_PHONE)

    # Their words prepared for quoting (previewed first, long words kept on the screen), then a reply
    # that quotes them, published: on the partnership's page and on the person's tracking page.
    page.goto(f"/admin/submissions/{ident}/quote")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name="Save the prepared words").click()
    assert_fits(page)
    page.goto(f"/admin/submissions/{ident}")
    page.get_by_label("You said").fill(f"You sent us {NHS_ADDRESS} and {WORD_300}")
    page.get_by_label("We did").fill(f"We read {WORD_300} and changed {NHS_ADDRESS}")
    page.get_by_role("checkbox", name="Show their own words with the reply (they agreed to this)").check()
    page.get_by_role("button", name="Publish the reply").click()
    expect(page.get_by_role("main")).to_contain_text(f"We read {WORD_300[:30]}")
    assert_fits(page)

    page.goto(f"/lcps/{LCP}#you-said")
    expect(page.locator("blockquote")).to_contain_text(WORD_3000[:50])
    assert_fits(page)
    page.goto(f"/track/{code}")
    expect(page.get_by_role("main")).to_contain_text(f"We read {WORD_300[:30]}")
    assert_fits(page)
