"""The subscribe page, the subscribe links component and the plain words feeds carry about themselves."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from flask import render_template_string
from icalendar import Calendar

COMPONENT = '{% with lcps=lcps, topic=topic %}{% include "components/subscribe_links.html" %}{% endwith %}'


def swapped_to_webcal(url: str) -> str:
    return urlsplit(url)._replace(scheme="webcal").geturl()


def event_uids(data: bytes) -> set[str]:
    return {str(event["uid"]) for event in Calendar.from_ical(data).walk("VEVENT")}


def subscribe_link(page) -> str:
    return page.links()["Subscribe in your calendar"]


def copy_field(page, label: str):
    """The read-only box labelled `label`, found through its label as a person finds it."""
    label_element = page.soup.find("label", string=label)
    assert label_element is not None, f"no label {label!r}"
    return page.soup.find(id=label_element["for"])


def test_page_for_one_lcp_says_what_it_subscribes_to(get_page) -> None:
    page = get_page("/subscribe?lcp=seacroft")
    assert page.h1 == "Subscribe – Meetings of Seacroft"
    calendar = copy_field(page, "Calendar link")
    assert calendar["value"] == "http://localhost/lcps/seacroft/meetings.ics"
    assert calendar.has_attr("readonly") and calendar["type"] == "text"
    assert subscribe_link(page) == "webcal://localhost/lcps/seacroft/meetings.ics"
    assert copy_field(page, "News feed link")["value"] == "http://localhost/lcps/seacroft/updates.atom"
    # The copy buttons wait for app.js; without it the boxes are still there to select.
    buttons = page.soup.select("main button")
    assert [" ".join(b.get_text(" ").split()) for b in buttons] == [
        "Copy link to the calendar",
        "Copy link to the news feed",
    ]
    assert all(button.has_attr("hidden") and button["type"] == "button" for button in buttons)
    text = page.text()
    assert "your calendar keeps itself up to date" in text
    assert "saves a copy of that one meeting that does not change" in text
    assert "Updates from Seacroft are also published as a news feed" in text
    assert "feed reader app" in text
    assert "email" not in text.lower()
    assert page.links()["Seacroft Local Care Partnership"] == "/lcps/seacroft"


def test_page_explains_each_calendar_app_in_details(get_page) -> None:
    page = get_page("/subscribe?lcp=seacroft")
    summaries = [" ".join(s.get_text(" ").split()) for s in page.soup.select("main details.nhsuk-details summary")]
    assert summaries == ["Google Calendar", "Apple Calendar on iPhone or iPad", "Apple Calendar on a Mac", "Outlook"]
    steps = {
        " ".join(d.summary.get_text(" ").split()): " ".join(d.select_one(".nhsuk-details__text").get_text(" ").split())
        for d in page.soup.select("main details")
    }
    assert "“Other calendars”, select “+”, then “From URL”" in steps["Google Calendar"]
    assert "on its own schedule, often every several hours" in steps["Google Calendar"]
    assert "up to a day" in steps["Google Calendar"]
    assert "Add Account, then Other, then Add Subscribed Calendar" in steps["Apple Calendar on iPhone or iPad"]
    assert "File, then New Calendar Subscription" in steps["Apple Calendar on a Mac"]
    assert "“Add calendar”" in steps["Outlook"] and "“Subscribe from web”" in steps["Outlook"]
    assert page.soup.select_one("main h2#calendar") and page.soup.select_one("main h2#updates")


def test_page_for_a_topic_across_leeds(get_page) -> None:
    page = get_page("/subscribe?topic=isolation-connection")
    assert page.h1 == "Subscribe – Meetings about Loneliness and social connection across Leeds"
    assert copy_field(page, "Calendar link")["value"] == "http://localhost/meetings.ics?topic=isolation-connection"
    assert copy_field(page, "News feed link")["value"] == "http://localhost/updates.atom?topic=isolation-connection"
    assert page.links()["Loneliness and social connection"] == "/topics/isolation-connection"


def test_page_for_every_partnership(get_page) -> None:
    page = get_page("/subscribe")
    assert page.h1 == "Subscribe – Every partnership’s meetings"
    assert subscribe_link(page) == "webcal://localhost/meetings.ics"
    assert copy_field(page, "News feed link")["value"] == "http://localhost/updates.atom"


def test_page_for_several_partnerships_and_a_topic_keeps_every_filter(get_page) -> None:
    page = get_page("/subscribe?lcp=armley&lcp=seacroft&topic=transport")
    assert page.h1 == "Subscribe – Meetings of Armley and Seacroft about Transport and getting around"
    https = copy_field(page, "Calendar link")["value"]
    assert urlsplit(https).path == "/meetings.ics"
    assert parse_qs(urlsplit(https).query) == {"lcp": ["armley", "seacroft"], "topic": ["transport"]}
    assert subscribe_link(page) == swapped_to_webcal(https)


@pytest.mark.parametrize(
    "url", ["/subscribe?lcp=nowhere", "/subscribe?topic=nothing", "/subscribe?lcp=seacroft&lcp=nowhere"]
)
def test_unknown_filters_are_404(get_page, url: str) -> None:
    get_page(url, status=404)


@pytest.mark.parametrize(
    "url",
    ["/subscribe?lcp=seacroft", "/subscribe?topic=transport", "/subscribe", "/subscribe?lcp=armley&lcp=wetherby"],
)
def test_webcal_link_is_the_calendar_feed_with_webcal_scheme(client, get_page, url: str) -> None:
    page = get_page(url)
    https = copy_field(page, "Calendar link")["value"]
    webcal = subscribe_link(page)
    assert webcal.startswith("webcal://")
    assert webcal == swapped_to_webcal(https)
    # The address holds the meetings the page's filters ask for: the city-wide calendar with the same filters.
    feed = client.get(https)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    filtered = client.get(f"/meetings.ics?{urlsplit(url).query}")
    assert event_uids(feed.data) == event_uids(filtered.data)


def render_component(lcps: list[str], topic: str | None) -> dict[str, str]:
    soup = BeautifulSoup(render_template_string(COMPONENT, lcps=lcps, topic=topic), "html.parser")
    return {" ".join(a.get_text(" ").split()): a["href"] for a in soup.select("a[href]")}


def test_component_for_one_partnership(app_context: None) -> None:
    assert render_component(["seacroft"], None) == {
        "Get this partnership’s meetings in your calendar": "webcal://localhost/lcps/seacroft/meetings.ics",
        "How to add them to Google, Apple or Outlook calendar": "/subscribe?lcp=seacroft#calendar",
        "Follow updates in a news reader": "/subscribe?lcp=seacroft#updates",
    }


def test_component_for_a_topic(app_context: None) -> None:
    assert render_component([], "transport") == {
        "Get meetings about Transport and getting around in your calendar": "webcal://localhost/meetings.ics?topic=transport",
        "How to add them to Google, Apple or Outlook calendar": "/subscribe?topic=transport#calendar",
        "Follow updates in a news reader": "/subscribe?topic=transport#updates",
    }


def test_component_for_several_partnerships_and_for_all(app_context: None) -> None:
    several = render_component(["armley", "seacroft"], None)
    assert several["Get these meetings in your calendar"] == "webcal://localhost/meetings.ics?lcp=armley&lcp=seacroft"
    assert several["How to add them to Google, Apple or Outlook calendar"] == (
        "/subscribe?lcp=armley&lcp=seacroft#calendar"
    )
    everything = render_component([], None)
    assert everything["Get these meetings in your calendar"] == "webcal://localhost/meetings.ics"
    assert everything["Follow updates in a news reader"] == "/subscribe#updates"
    both = render_component(["seacroft"], "transport")
    assert both["Get this partnership’s meetings about Transport and getting around in your calendar"] == (
        "webcal://localhost/meetings.ics?lcp=seacroft&topic=transport"
    )


def test_footer_and_home_lead_to_the_subscribe_page(get_page) -> None:
    page = get_page("/")
    footer = page.links("footer")
    assert footer["Get meetings in your calendar"] == "/subscribe#calendar"
    assert footer["Follow updates"] == "/subscribe#updates"
    links = page.links()
    assert links["Get every partnership’s meetings in your calendar"] == "webcal://localhost/meetings.ics"
    assert links["how to add them to Google, Apple or Outlook calendar"] == "/subscribe#calendar"
    assert links["Add meetings to your calendar"] == "/subscribe"


@pytest.mark.parametrize(
    ("url", "what", "steps"),
    [
        ("/lcps/seacroft/updates.atom", "Updates from Seacroft", "http://localhost/subscribe?lcp=seacroft#updates"),
        ("/updates.atom", "Every partnership’s updates", "http://localhost/subscribe#updates"),
        (
            "/updates.atom?topic=transport",
            "Updates about Transport and getting around across Leeds",
            "http://localhost/subscribe?topic=transport#updates",
        ),
    ],
)
def test_atom_feeds_say_what_they_are_in_plain_words(client, url: str, what: str, steps: str) -> None:
    feed = feedparser.parse(client.get(url).data)
    assert not feed.bozo, feed.get("bozo_exception")
    subtitle = feed.feed.subtitle
    assert subtitle.startswith(f"{what}, from the Leeds Local Care Partnerships website.")
    assert "This is a news feed" in subtitle and "feed reader app" in subtitle
    assert subtitle.endswith(f"How to follow it: {steps}")


@pytest.mark.parametrize(
    ("url", "what", "steps"),
    [
        ("/lcps/seacroft/meetings.ics", "Meetings of Seacroft", "http://localhost/subscribe?lcp=seacroft#calendar"),
        ("/meetings.ics", "Every partnership’s meetings", "http://localhost/subscribe#calendar"),
        (
            "/meetings.ics?lcp=armley&topic=transport",
            "Meetings of Armley about Transport and getting around",
            "http://localhost/subscribe?lcp=armley&topic=transport#calendar",
        ),
    ],
)
def test_calendars_say_what_they_are_in_plain_words(client, url: str, what: str, steps: str) -> None:
    calendar = Calendar.from_ical(client.get(url).data)
    description = str(calendar["x-wr-caldesc"])
    assert description.startswith(f"{what}, from the Leeds Local Care Partnerships website.")
    assert "adds new meetings and changes by itself" in description
    assert description.endswith(f"How to subscribe: {steps}")


def test_one_meeting_download_says_it_does_not_change(client, get_page) -> None:
    page = get_page("/lcps/seacroft")
    link = next(a for a in page.soup.select("main a") if "Add this meeting to your calendar" in a.get_text())
    description = str(Calendar.from_ical(client.get(link["href"]).data)["x-wr-caldesc"])
    assert description.startswith("One meeting of Seacroft Local Care Partnership")
    assert "does not change" in description
    assert description.endswith("http://localhost/subscribe?lcp=seacroft#calendar")
