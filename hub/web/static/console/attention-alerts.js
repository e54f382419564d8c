/**
 * Being told of a new offer while looking elsewhere: a browser notification and a short
 * chime, only while the tab is in the background (in front, the offer is on screen), and a
 * count in the tab's title. The browser asks for notifications only after a gesture (the
 * ambassador becoming available, or the toggle): never on load, and a refusal stands; the
 * chime is made with Web Audio (no file to fetch) and its on/off choice is kept per browser.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { channelLabel } from "./channels.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { state } from "./state.js";

const SOUND_KEY = "concierge.attention.sound";
const alerts = { audio: null, ui: null, baseTitle: "" };

const canNotify = () => typeof window.Notification === "function";
const inBackground = () => document.visibilityState === "hidden" || document.hidden === true;

function soundOn() {
  try {
    return window.localStorage.getItem(SOUND_KEY) !== "off";
  } catch (_err) {
    return true; // storage blocked: the default, sound on
  }
}

function saveSound(on) {
  try {
    window.localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  } catch (_err) {
    // Storage blocked: the choice holds for this page only.
  }
}

/** The AudioContext, made (or woken) during a gesture: browsers keep it silent otherwise. */
function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (!alerts.audio) {
    try {
      alerts.audio = new Context();
    } catch (_err) {
      return;
    }
  }
  if (alerts.audio.state === "suspended") alerts.audio.resume().catch(() => {});
}

/** Two soft notes, a fifth apart, a quarter of a second each. */
export function chime() {
  if (!soundOn()) return;
  unlockAudio();
  const audio = alerts.audio;
  if (!audio) return;
  const start = audio.currentTime + 0.01;
  [880, 1318.5].forEach((frequency, index) => {
    const at = start + index * 0.16;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.setValueAtTime(frequency, at);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start(at);
    tone.stop(at + 0.27);
  });
}

/** A gesture (becoming available, the toggle): unlock the chime, ask for notifications once. */
export function onAttentionGesture() {
  unlockAudio();
  if (canNotify() && window.Notification.permission === "default") {
    const asked = window.Notification.requestPermission(renderNotifyState);
    if (asked && typeof asked.then === "function") asked.then(renderNotifyState, renderNotifyState);
  }
  renderNotifyState();
}

function notifyText() {
  if (!canNotify()) return t("attention.notify.unsupported");
  const permission = window.Notification.permission;
  if (permission === "granted") return t("attention.notify.on");
  if (permission === "denied") return t("attention.notify.off");
  return t("attention.notify.ask");
}

function renderNotifyState() {
  if (!alerts.ui) return;
  alerts.ui.notify.textContent = notifyText();
  alerts.ui.notify.dataset.permission = canNotify() ? window.Notification.permission : "unsupported";
}

function renderSound() {
  if (!alerts.ui) return;
  const on = soundOn();
  alerts.ui.sound.textContent = on ? t("attention.sound.on") : t("attention.sound.off");
  alerts.ui.sound.setAttribute("aria-pressed", on ? "true" : "false");
}

/** A new offer arrived: in the background, a notification and the chime. */
export function alertNewOffer(offer) {
  updateTitle();
  if (!inBackground()) return;
  chime();
  if (!canNotify() || window.Notification.permission !== "granted") return;
  const conversation = offer.conversation || {};
  const name = customerName(offer.customer || conversation.customer);
  let note;
  try {
    note = new window.Notification(t("attention.notify.title"), {
      body: t("attention.notify.body", { name, channel: channelLabel(conversation.channel) }),
      tag: `offer-${offer.offer_id}`,
    });
  } catch (_err) {
    return; // some browsers only notify from a service worker: the chime has to do
  }
  note.onclick = () => {
    window.focus();
    const card = Array.from(dom.offersList.querySelectorAll("[data-offer-id]")).find(
      (item) => item.dataset.offerId === offer.offer_id,
    );
    const accept = card && card.querySelector("[data-testid=offer-accept]");
    if (accept) accept.focus();
    if (card) card.scrollIntoView({ block: "nearest" });
    note.close();
  };
}

/** "(3) Concierge — …": pending offers plus unread customer messages, in the tab's title. */
export function updateTitle() {
  if (!alerts.baseTitle) alerts.baseTitle = t("app.title");
  let count = state.offers.size;
  for (const conversation of state.conversations.values()) count += Number(conversation.unread) || 0;
  document.title = count > 0 ? `(${count}) ${alerts.baseTitle}` : alerts.baseTitle;
}

/** The sound toggle and the notifications line, under the offers' heading. */
export function wireAlerts() {
  const sound = button("", "button button-quiet attention-sound", "sound-toggle");
  const notify = el("p", { className: "attention-notify", attrs: { "data-testid": "notifications-state" } });
  const bar = el("div", { className: "attention-bar", attrs: { role: "group" } }, [sound, notify]);
  bar.setAttribute("aria-label", t("attention.sound.label"));
  dom.presenceNotice.after(bar);
  alerts.ui = { sound, notify };
  sound.addEventListener("click", () => {
    saveSound(!soundOn());
    renderSound();
    onAttentionGesture();
  });
  // Becoming available is the moment to ask: the ambassador is there, and waits for offers.
  dom.presence.addEventListener("change", () => {
    if (dom.presence.value === "available") onAttentionGesture();
  });
  renderSound();
  renderNotifyState();
}

export function resetAlerts() {
  alerts.baseTitle = "";
  document.title = t("app.title");
  if (alerts.ui) showText(alerts.ui.notify, notifyText());
}
