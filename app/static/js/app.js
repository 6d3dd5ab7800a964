// Progressive enhancement only: every page works without this file.
import { initAll } from "../dist/js/nhsuk-frontend.min.js";

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
