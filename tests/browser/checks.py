"""Checks the browser tests share: axe, and whether a page scrolls sideways, reported so a failure says what to fix."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()  # reads axe.min.js once for the whole session
# axe's defaults, plus the WCAG 2.2 AA rule it leaves off by default: targets at least 24px, or spaced so.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
SMALLEST_PHONE = {"width": 320, "height": 640}
# The outermost elements that stick out past the right edge, to say what to fix.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(e => e.getBoundingClientRect().right > width + 0.5);
  return wide.filter(e => !wide.includes(e.parentElement)).map(e =>
    `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${[...e.classList].map(c => "." + c).join("")}`
    + ` “${e.textContent.trim().replace(/\\s+/g, " ").slice(0, 50)}”`
    + ` ends at ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}" for node in violation["nodes"])
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict]:
    return AXE.run(page, options=AXE_OPTIONS).response["violations"]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}:\n{describe(violations)}"


def sideways_problems(page: Page) -> list[str]:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= inner_width:
        return []
    return [f"scrolls sideways: {scroll_width}px in {inner_width}px", *(f"    {e}" for e in page.evaluate(OVERFLOWING))]


def phone_problems(page: Page) -> list[str]:
    """axe and sideways scrolling together, so one failure does not hide the other."""
    problems = [f"axe: {describe(violations)}"] if (violations := axe_violations(page)) else []
    return problems + sideways_problems(page)
