/**
 * The page's fixed parts (book.html): one section per step, a polite live region for
 * progress and one alert line for what went wrong. One step shows at a time; moving to a
 * step puts focus on its heading, so keyboard and screen-reader users start there.
 */
import { showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";

const byId = (id) => document.getElementById(id);

const STEPS = ["store", "type", "time", "details", "done", "manage", "invalid"];
// The booking steps that count towards "Step n of 4".
const NUMBERED = ["store", "type", "time", "details"];

export const view = {
  boot: byId("book-boot"),
  status: byId("book-status"),
  alert: byId("book-alert"),
  steps: Object.fromEntries(STEPS.map((name) => [name, byId(`step-${name}`)])),
  current: null,
};

/** Shows one step, numbers it, and (unless told not to) moves focus to its heading. */
export function showStep(name, { focus = true } = {}) {
  view.boot.hidden = true;
  for (const [step, section] of Object.entries(view.steps)) section.hidden = step !== name;
  view.current = name;
  const section = view.steps[name];
  const counter = section.querySelector("[data-step-count]");
  if (counter) {
    counter.textContent = t("book.stepOf", {
      step: formatNumber(NUMBERED.indexOf(name) + 1),
      total: formatNumber(NUMBERED.length),
    });
  }
  if (focus) {
    const heading = section.querySelector("h1");
    window.scrollTo(0, 0);
    if (heading) heading.focus({ preventScroll: true });
  }
}

let said = 0;

/** Says something to screen readers without moving focus (progress, success). */
export function announce(text) {
  // Emptied first so the same sentence twice is read twice.
  const turn = ++said;
  view.status.textContent = "";
  window.setTimeout(() => {
    if (turn === said) view.status.textContent = text;
  }, 50);
}

let alerted = 0;

/** The alert line above the steps: what went wrong and what to do; "" hides it. */
export function alertText(text) {
  const turn = ++alerted;
  if (text && view.alert.textContent === text) {
    // The same words again (a second refusal): cleared first, so they are read again.
    showText(view.alert, "");
    window.setTimeout(() => {
      if (turn === alerted) showText(view.alert, text);
    }, 50);
    return;
  }
  showText(view.alert, text);
  // Seen as well as heard: brought into view when the page is scrolled past it.
  if (text && view.alert.getBoundingClientRect().top < 0) view.alert.scrollIntoView({ block: "nearest" });
}

export const clearAlert = () => alertText("");
