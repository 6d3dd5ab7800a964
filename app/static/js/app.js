// Progressive enhancement only: every page works without this file. scripts/build-assets.mjs bundles it with
// htmx and the NHS.UK components the pages use (and no others), into one file with a content-hashed name.
import "htmx.org";
import "./inbox.js";
import "./item.js";
import {
  Button,
  CharacterCount,
  Checkboxes,
  Code,
  createAll,
  ErrorSummary,
  Header,
  NotificationBanner,
  Radios,
  SkipLink,
} from "nhsuk-frontend";

// The NHS.UK components on our pages (each `data-module="nhsuk-…"` in the templates and macros we use).
const COMPONENTS = [
  Button,
  CharacterCount,
  Checkboxes,
  Code,
  ErrorSummary,
  Header,
  NotificationBanner,
  Radios,
  SkipLink,
];

function initAll(scope = document) {
  for (const Component of COMPONENTS) createAll(Component, undefined, scope);
}

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// htmx sends the CSRF token with every request that changes something.
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token && event.detail.verb !== "get") {
    event.detail.headers["X-CSRFToken"] = token.content;
  }
});

// "Copy link" beside a read-only web address (the subscribe page). Without this the button stays
// hidden and the address can still be selected and copied by hand.
for (const field of document.querySelectorAll("[data-app-copy]")) {
  const input = field.querySelector("input");
  const button = field.querySelector("[data-app-copy-button]");
  const status = field.querySelector("[data-app-copy-status]");
  if (!input || !button || !status) continue;
  input.addEventListener("focus", () => input.select());
  button.hidden = false;
  button.addEventListener("click", async () => {
    input.focus();
    input.select();
    let copied = false;
    try {
      await navigator.clipboard.writeText(input.value);
      copied = true;
    } catch {
      // No clipboard access (an old browser or a refused permission): the older command may still work.
      copied = document.execCommand("copy");
    }
    status.textContent = copied ? status.dataset.copied : status.dataset.failed;
  });
}

// Content that htmx swaps in (such as a re-checked form field) gets the NHS.UK behaviour the page had,
// and a result marked data-app-focus takes focus, so a keyboard or screen reader user hears it.
document.body.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (element === document.body || !(element instanceof Element)) return;
  initAll(element);
  const focus = element.matches("[data-app-focus]") ? element : element.querySelector("[data-app-focus]");
  if (focus) focus.focus();
});

// In a form whose first button is a secondary one (the share form's "Find"), Enter in any other text box
// sends the form with its main button, as people expect. Without this script Enter runs the secondary
// button, which only shows the form again with everything kept.
for (const form of document.querySelectorAll("form[data-app-default-button]")) {
  const main = form.querySelector(`#${form.dataset.appDefaultButton}`);
  if (!main) continue;
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key !== "Enter" || !(target instanceof HTMLInputElement)) return;
    if (target.closest("[data-app-own-enter]") || !["text", "email", "number", "tel"].includes(target.type)) return;
    event.preventDefault();
    form.requestSubmit(main);
  });
}
