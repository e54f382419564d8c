/**
 * Our presence: away or available. We choose it with the select; the hub may also change it
 * (two offers missed in a row put us away), and then says why.
 */
import { showText } from "../shared/dom.js";
import { dom } from "./elements.js";
import { announce, toast } from "./notices.js";
import { renderOffersMeta } from "./offers.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const REASONS = {
  missed_offers: "You missed two offers, so you are now Away. Switch back to Available when ready.",
};

/** Away or available; the hub's answer wins, and a newer choice supersedes an older one. */
export function emitPresence(status) {
  const request = ++state.presenceRequest;
  emitNow("presence", { status }, (ack) => {
    if (request !== state.presenceRequest) return;
    if (!ack || ack.error) {
      toast((ack && ack.error && ack.error.message) || "Your status could not be changed.");
      dom.presence.value = "away";
      return;
    }
    if (ack.status && ack.status !== dom.presence.value) dom.presence.value = ack.status;
    renderOffersMeta();
  });
}

/** The select changed: tell the hub; a notice about a forced "away" no longer applies. */
export function onPresenceChosen() {
  showText(dom.presenceNotice, "");
  emitPresence(dom.presence.value);
  renderOffersMeta();
}

/** The hub changed our presence (e.g. {status: "away", reason: "missed_offers"}). */
export function onPresencePushed(payload) {
  if (!payload || (payload.status !== "away" && payload.status !== "available")) return;
  state.presenceRequest += 1; // an answer still on its way is older than this
  dom.presence.value = payload.status;
  renderOffersMeta();
  const text = payload.status === "away" ? REASONS[payload.reason] || "The hub set you to Away." : "";
  showText(dom.presenceNotice, text);
  if (text) announce(text);
}

export function clearPresenceNotice() {
  showText(dom.presenceNotice, "");
}
