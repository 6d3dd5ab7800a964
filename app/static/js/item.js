// A staff item page (progressive enhancement only: the page works as plain forms without this file).
// Keyboard shortcuts, off until the person turns them on (WCAG 2.1.4) and remembered in this browser, and the reply
// template filled into the reply box in place instead of reloading the page.

const STORE = "app-item-shortcuts";

// Inputs that take no typing: a key pressed on one of them may be a shortcut.
const UNTYPED = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "file", "color", "range"]);

// Keys typed into a box, a list or anything editable are the person's own, never shortcuts.
function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target instanceof HTMLInputElement) return !UNTYPED.has(target.type);
  return target.closest("textarea, select, [contenteditable]:not([contenteditable='false'])") !== null;
}

function remembered() {
  try {
    return window.localStorage.getItem(STORE) === "on";
  } catch {
    return false; // storage refused (a private window in some browsers): shortcuts start off
  }
}

function remember(on) {
  try {
    if (on) window.localStorage.setItem(STORE, "on");
    else window.localStorage.removeItem(STORE);
  } catch {
    // Nothing to keep it in: the choice lasts for this page only.
  }
}

function goTo(element) {
  if (!element) return;
  element.scrollIntoView({ block: "center" });
  element.focus();
}

const shortcuts = document.querySelector("[data-app-shortcuts]");
const toggle = shortcuts && shortcuts.querySelector("#shortcuts-on");
if (shortcuts && toggle) {
  for (const part of shortcuts.querySelectorAll("[data-app-shortcuts-switch]")) part.hidden = false;
  for (const part of shortcuts.querySelectorAll("[data-app-shortcuts-scriptless]")) part.hidden = true;
  toggle.checked = remembered();
  toggle.addEventListener("change", () => remember(toggle.checked));

  const marked = (name) => document.querySelector(`[data-app-shortcut="${name}"]`);
  const actions = {
    j: () => marked("next")?.click(),
    k: () => marked("previous")?.click(),
    a: () => marked("assign-me")?.click(),
    s: () => goTo(document.querySelector(".app-work select[name$='-status']")),
    r: () => goTo(document.querySelector("textarea[name$='-you_said']")),
    "?": () => {
      shortcuts.open = true;
      goTo(shortcuts.querySelector("summary"));
    },
  };

  document.addEventListener("keydown", (event) => {
    if (!toggle.checked || event.defaultPrevented || event.repeat) return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const action = Object.hasOwn(actions, event.key) ? actions[event.key] : null;
    if (!action) return;
    event.preventDefault();
    action();
  });
}

// "Use this template": fill the "We did" box (and the status the template chooses) without reloading the page, so
// anything already typed in "You said" stays. Without this script the button reloads the page with it filled.
for (const picker of document.querySelectorAll("form[data-app-template-picker]")) {
  picker.addEventListener("submit", (event) => {
    const option = picker.querySelector("select")?.selectedOptions[0];
    const box = document.getElementById(picker.dataset.appTemplatePicker);
    if (!option || !box) return;
    event.preventDefault();
    box.value = option.dataset.body || "";
    const status = { acted: "acted", closed: "closed" }[option.dataset.status];
    if (status) {
      const radio = document.querySelector(`input[name="${picker.dataset.appThen}"][value="${status}"]`);
      if (radio) radio.checked = true;
    }
    const done = picker.querySelector("[data-app-template-done]");
    if (done) done.textContent = done.dataset.appTemplateDone;
    box.focus();
  });
}
