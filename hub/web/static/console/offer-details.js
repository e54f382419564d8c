/**
 * What an offer says about the shopper beyond their name: a colleague's transfer note, a
 * "Your client" badge when they asked for us, and their earlier conversations.
 */
import { el, showText } from "../shared/dom.js";
import { formatDay } from "../shared/time.js";
import { state } from "./state.js";

/** The detail elements of one offer card, empty and hidden until filled. */
export function createOfferDetails() {
  const preferred = el("span", {
    className: "badge badge-client",
    text: "Your client",
    attrs: { "data-testid": "offer-preferred" },
  });
  const noteText = el("p", { className: "offer-note-text", attrs: { "data-testid": "offer-note" } });
  const note = el("div", { className: "offer-note" }, [
    el("p", { className: "offer-note-label", text: "Note from a colleague" }),
    noteText,
  ]);
  const history = el("p", { className: "offer-history", attrs: { "data-testid": "offer-history" } });
  preferred.hidden = true;
  note.hidden = true;
  history.hidden = true;
  return { preferred, note, noteText, history };
}

/** "Spoke with Hugo Martin on 12 Nov · webchat · PARIS01" (or "with you", or no one yet). */
function describeEarlier(earlier) {
  const ambassador = earlier.ambassador;
  const mine = ambassador && state.staff && ambassador.id === state.staff.id;
  const who = ambassador ? `Spoke with ${mine ? "you" : ambassador.name || "a colleague"}` : "Wrote to us";
  const when = formatDay(earlier.created_at);
  return [when ? `${who} on ${when}` : who, earlier.channel, earlier.store].filter(Boolean).join(" \u00b7 ");
}

/** The most recent earlier conversation, and how many more there were. */
export function historyLine(history) {
  if (!Array.isArray(history) || history.length === 0) return "";
  const [latest, ...older] = history;
  if (!latest) return "";
  const more = older.length ? ` (+${older.length} earlier)` : "";
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
