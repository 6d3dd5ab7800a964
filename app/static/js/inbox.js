// The staff inbox's bulk bar (progressive enhancement only: without this file the bar is always shown and works as
// a plain form). With it, the bar stays hidden until an item is ticked, and its legend and button say how many are
// ticked ("Change 3 selected items"); a visually hidden status line tells screen reader users the same, politely.
// A bar shown again after a refused change has boxes ticked, so it shows at once.

function label(template, count) {
  return template.replaceAll("{count}", String(count));
}

function enhance(bar) {
  const boxes = () => document.querySelectorAll(`input[type="checkbox"][form="${bar.id}"]`);
  const legend = bar.querySelector("[data-app-inbox-legend]");
  const button = bar.querySelector("[data-app-inbox-button]");
  const status = document.querySelector("[data-app-inbox-count]");
  const refused = bar.querySelector(".nhsuk-form-group--error") !== null;
  let said = null;

  function update() {
    const count = [...boxes()].filter((box) => box.checked).length;
    const words = count === 0 ? bar.dataset.none : label(count === 1 ? bar.dataset.one : bar.dataset.many, count);
    // Only when the words change: replacing a button's text as it is pressed (a box left, so its change fires)
    // can lose the press.
    for (const element of [legend, button]) {
      if (element && element.textContent !== words) element.textContent = words;
    }
    // A refused change keeps the bar open whatever is ticked, so the errors beside its boxes stay in view.
    bar.hidden = count === 0 && !refused;
    const heard =
      count === 0
        ? bar.dataset.statusNone
        : label(count === 1 ? bar.dataset.statusOne : bar.dataset.statusMany, count);
    // Only a change is announced: not the count on arriving at the page.
    if (status && said !== null && heard !== said) status.textContent = heard;
    said = heard;
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.form === bar) update();
  });
  // The browser may restore ticks on going back to the page, after this runs.
  window.addEventListener("pageshow", update);
  bar.classList.add("app-inbox-bulk--enhanced");
  update();
}

for (const bar of document.querySelectorAll("form[data-app-inbox-bulk]")) enhance(bar);
