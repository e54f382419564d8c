/**
 * What an e-mail adds to its timeline bubble: "Contact form" when the website's form sent it,
 * its subject when it is not the thread's, the earlier mail it quoted (folded behind "Show
 * quoted text", as mail programs do) and a note of the attachments the hub would not keep.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { subjectToShow } from "./email-thread.js";

const TEXT = {
  quoteToggle: (open) => (open ? t("email.hideQuote") : t("email.showQuote")),
  tooLarge: (count, names) => (names ? t("email.tooLargeNamed", { count, names }) : t("email.tooLarge", { count })),
};

const NONE = { lead: [], quote: null, refused: null };
const unfolded = new Set(); // message ids whose quote is open, so a redraw keeps it open

function quoteToggle(message, quoted) {
  const open = unfolded.has(message.id);
  const id = `quote-${message.id}`;
  const body = el("div", { className: "mail-quote-text", text: quoted, attrs: { id, "data-testid": "message-quote" } });
  body.hidden = !open;
  const toggle = button(TEXT.quoteToggle(open), "mail-quote-toggle", "message-quote-toggle");
  toggle.setAttribute("aria-expanded", String(open));
  toggle.setAttribute("aria-controls", id);
  toggle.addEventListener("click", () => {
    const opening = body.hidden;
    body.hidden = !opening;
    toggle.textContent = TEXT.quoteToggle(opening);
    toggle.setAttribute("aria-expanded", String(opening));
    if (opening) unfolded.add(message.id);
    else unfolded.delete(message.id);
  });
  return el("div", { className: "mail-quote" }, [toggle, body]);
}

function refusedNote(refused) {
  if (!refused || typeof refused !== "object") return null;
  const tooLarge = Array.isArray(refused.too_large) ? refused.too_large.filter((n) => typeof n === "string") : [];
  const over = Math.max(0, Math.floor(Number(refused.over_count) || 0));
  const lines = [];
  if (tooLarge.length) lines.push(TEXT.tooLarge(tooLarge.length, tooLarge.join(", ")));
  if (over) lines.push(t("email.overCount", { count: over }));
  if (lines.length === 0) return null;
  return el(
    "div",
    { className: "mail-refused", attrs: { "data-testid": "attachments-refused" } },
    lines.map((line) => el("p", { className: "attach-note", text: line })),
  );
}

/** {lead: nodes above the text, quote: node below it, refused: node below the files}. */
export function mailParts(message) {
  if (!message || message.channel !== "email" || (message.author && message.author.kind === "system")) return NONE;
  const data = message.data || {};
  const lead = [];
  if (data.form === "contact") {
    lead.push(el("p", { className: "mail-form", text: t("channel.contact"), attrs: { "data-testid": "message-form" } }));
  }
  const subject = subjectToShow(message);
  if (subject) {
    lead.push(
      el("p", { className: "mail-subject", attrs: { "data-testid": "message-subject" } }, [
        el("span", { className: "sr-only", text: `${t("email.subjectLabel")} ` }),
        document.createTextNode(subject),
      ]),
    );
  }
  const quoted = typeof data.quoted === "string" ? data.quoted.replace(/\s+$/, "") : "";
  return { lead, quote: quoted ? quoteToggle(message, quoted) : null, refused: refusedNote(data.attachments_refused) };
}
