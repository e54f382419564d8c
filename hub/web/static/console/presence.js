/**
 * Our presence: away or available. We choose it with the select; the hub may also change it
 * (two offers missed in a row put us away), and then says why.
 */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { dom } from "./elements.js";
import { announce, toast } from "./notices.js";
import { renderOffersMeta } from "./offers.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

/** Where a colleague can be: available, away or offline (not connected). */
export const PRESENCES = ["available", "away", "offline"];

const LABELS = {
  available: () => t("presence.available"),
  away: () => t("presence.away"),
  offline: () => t("presence.offline"),
};

export const presenceLabel = (presence) => (LABELS[presence] ? LABELS[presence]() : presence || "");

const REASONS = {
  missed_offers: () => t("presence.missedOffers"),
};

/** Away or available; the hub's answer wins, and a newer choice supersedes an older one. */
export function emitPresence(status) {
  const request = ++state.presenceRequest;
  emitNow("presence", { status }, (ack) => {
    if (request !== state.presenceRequest) return;
    if (!ack || ack.error) {
      toast((ack && ack.error && ack.error.message) || t("presence.changeFailed"));
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
  const reason = REASONS[payload.reason];
  const text = payload.status === "away" ? (reason ? reason() : t("presence.setAway")) : "";
  showText(dom.presenceNotice, text);
  if (text) announce(text);
}

export function clearPresenceNotice() {
  showText(dom.presenceNotice, "");
}
