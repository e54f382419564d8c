/**
 * What an offer says about the shopper beyond their name: a colleague's transfer note, a
 * "Your client" badge when they asked for us, and their earlier conversations.
 */
import { el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { channelLabel } from "./channels.js";
import { formatDay } from "./formats.js";
import { state } from "./state.js";

/** The detail elements of one offer card, empty and hidden until filled. */
export function createOfferDetails() {
  const preferred = el("span", {
    className: "badge badge-client",
    text: t("offers.yourClient"),
    attrs: { "data-testid": "offer-preferred" },
  });
  const noteText = el("p", { className: "offer-note-text", attrs: { "data-testid": "offer-note" } });
  const note = el("div", { className: "offer-note" }, [
    el("p", { className: "offer-note-label", text: t("offers.noteFromColleague") }),
    noteText,
  ]);
  const history = el("p", { className: "offer-history", attrs: { "data-testid": "offer-history" } });
  preferred.hidden = true;
  note.hidden = true;
  history.hidden = true;
  return { preferred, note, noteText, history };
}

/** "Spoke with Hugo Martin on 12 Nov" (or "with you", or "Wrote to us" with no one yet). */
function whoAndWhen(earlier) {
  const ambassador = earlier.ambassador;
  const date = formatDay(earlier.created_at);
  if (!ambassador) return date ? t("offers.earlier.wroteOn", { date }) : t("offers.earlier.wrote");
  if (state.staff && ambassador.id === state.staff.id) {
    return date ? t("offers.earlier.withYouOn", { date }) : t("offers.earlier.withYou");
  }
  const name = ambassador.name || t("common.aColleague");
  return date ? t("offers.earlier.withOn", { name, date }) : t("offers.earlier.with", { name });
}

/** "Spoke with Hugo Martin on 12 Nov · Web chat · PARIS01". */
function describeEarlier(earlier) {
  return [whoAndWhen(earlier), channelLabel(earlier.channel), earlier.store].filter(Boolean).join(" \u00b7 ");
}

/** The most recent earlier conversation, and how many more there were. */
export function historyLine(history) {
  if (!Array.isArray(history) || history.length === 0) return "";
  const [latest, ...older] = history;
  if (!latest) return "";
  const more = older.length ? ` ${t("offers.moreEarlier", { count: formatNumber(older.length) })}` : "";
  return `${describeEarlier(latest)}${more}`;
}

export function fillOfferDetails(details, offer) {
  details.preferred.hidden = !offer.preferred;
  const note = typeof offer.note === "string" ? offer.note.trim() : "";
  details.noteText.textContent = note;
  details.note.hidden = !note;
  showText(details.history, historyLine(offer.history));
  details.history.title = Array.isArray(offer.history) ? offer.history.map(describeEarlier).join("\n") : "";
}
