/** Telling the ambassador things: a toast on screen, or an announcement for screen readers. */
import { dom } from "./elements.js";

const TOAST_MS = 5000;
let toastTimer = null;

export function announce(text) {
  // Clearing first makes screen readers repeat an identical announcement.
  dom.announcer.textContent = "";
  window.setTimeout(() => {
    dom.announcer.textContent = text;
  }, 50);
}

export function toast(text) {
  dom.toast.textContent = text;
  dom.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    dom.toast.hidden = true;
  }, TOAST_MS);
}
