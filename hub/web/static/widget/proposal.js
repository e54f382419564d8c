/**
 * Times an ambassador proposes in the chat (a message whose data.proposal is set by
 * hub/proposals.py): the message's first line, one button per time, and a link to the booking
 * page for other times. A button books at once with POST /api/appointments, the conversation
 * proven by the visitor token, so no details are asked. The manage link that comes back
 * carries the appointment's token: it is only shown, never logged nor stored.
 *
 * A time's state (data-state): "open", "booked", "taken" (by someone else, 409), "gone" (the
 * proposal was booked at another of its times, or the time has passed). A booked proposal is
 * remembered in storage, so history replaying it after a reload does not offer it again.
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { postJson } from "../shared/post-json.js";
import { config } from "./config.js";
import { cityOf, instant, shopperWhen, whenIn } from "./proposal-times.js";
import { bookedStart, getToken, rememberBooked } from "./storage.js";
import { ui } from "./ui.js";

/** The proposal a message carries, when it is one the widget can book; otherwise null. */
export function proposalOf(message) {
  const proposal = message && message.data && message.data.proposal;
  const usable =
    proposal &&
    proposal.store &&
    typeof proposal.store.code === "string" &&
    proposal.type &&
    typeof proposal.type.code === "string" &&
    Array.isArray(proposal.slots);
  return usable ? proposal : null;
}

/** The bubble shows only the first line; the times and the link follow as controls. */
export const proposalLead = (text) => String(text || "").split("\n")[0];

const YOURS = "chat-proposal-yours";

const bookable = (slot) => {
  const start = instant(slot && slot.start);
  return Boolean(start) && start.getTime() > Date.now();
};

function slotButton(slot, zone) {
  const start = instant(slot.start);
  const yours = start ? shopperWhen(start, zone) : "";
  const state = el("span", { className: "cw-slot-state", attrs: { "data-testid": "chat-proposal-state" } });
  state.hidden = true;
  // Spaces between the parts, so a screen reader's name for the button reads as words.
  const parts = [
    el("span", { className: "cw-slot-when", text: start ? whenIn(start, zone) : slot.start }),
    el("span", { className: "cw-slot-zone", text: t("common.zoneTime", { city: cityOf(zone) }) }),
    yours
      ? el("span", { className: "cw-slot-yours", text: t("widget.proposal.yourTime", { when: yours }), attrs: { "data-testid": YOURS } })
      : null,
    state,
  ].filter(Boolean);
  const button = el("button", {
    className: "cw-slot",
    attrs: { type: "button", "data-testid": "chat-proposal-time", "data-start": slot.start },
  });
  parts.forEach((part, i) => button.append(...(i ? [document.createTextNode(" "), part] : [part])));
  return { button, state, slot };
}

/**
 * Disabled with aria-disabled rather than disabled: the focus stays on the button that was
 * pressed, and a screen reader still reaches a time to hear that it was booked or taken.
 */
function setSlot(item, stateName, label) {
  item.button.dataset.state = stateName;
  showText(item.state, label);
  item.locked = stateName !== "open";
  item.button.setAttribute("aria-disabled", String(item.locked));
}

function setBusy(card, busy) {
  card.busy = busy;
  card.group.setAttribute("aria-busy", String(busy));
  for (const item of card.items) item.button.setAttribute("aria-disabled", String(busy || item.locked));
}

/** The status stays in the page, empty when silent: a live region that appears with its words is often not read. */
function say(card, text, tone) {
  card.status.textContent = text;
  card.status.dataset.tone = tone || "";
}

/** The new lines below the times stay in view in the message list. */
function reveal(node) {
  const box = ui.messages.getBoundingClientRect();
  const bottom = node.getBoundingClientRect().bottom;
  if (bottom > box.bottom) ui.messages.scrollTop += bottom - box.bottom + 12;
}

function link(text, href, testid, rel) {
  return el("a", {
    className: "cw-proposal-link",
    text,
    attrs: { href, target: "_blank", rel, "data-testid": testid },
  });
}

/** Booked at `start` (an ISO time): that button says so, the others are no longer on offer. */
function showBooked(card, start, appointment) {
  card.bookedAt = start;
  card.other.hidden = true; // moving it is the manage link's job now
  for (const item of card.items) {
    if (item.slot.start === start) setSlot(item, "booked", t("widget.proposal.bookedState"));
    else setSlot(item, "gone", t("widget.proposal.goneState"));
  }
  const moment = instant(start);
  const when = moment ? whenIn(moment, card.zone) : start;
  say(card, t("widget.proposal.booked", { when, zone: t("common.zoneTime", { city: cityOf(card.zone) }) }), "done");
  const links = [];
  if (appointment && typeof appointment.manage_url === "string") {
    links.push(link(t("widget.proposal.manage"), appointment.manage_url, "chat-proposal-manage", "noopener noreferrer"));
  }
  if (appointment && typeof appointment.video_url === "string" && appointment.video_url) {
    links.push(link(t("widget.proposal.video"), appointment.video_url, "chat-proposal-video", "noopener noreferrer"));
  }
  card.links.replaceChildren(...links);
  card.links.hidden = links.length === 0;
}

const postAppointment = (body) => postJson(`${config.hubBase}/api/appointments`, body);

const isTaken = (status, data) => status === 409 && Boolean(data && data.error && data.error.code === "slot_taken");

function failureText(status, data) {
  if (isTaken(status, data)) return t("widget.proposal.taken");
  if (status === 429) return t("widget.proposal.busy");
  if (status === 0) return t("widget.proposal.offline");
  return t("widget.proposal.failed");
}

async function book(card, item) {
  if (card.busy || item.locked || card.bookedAt) return;
  setBusy(card, true);
  say(card, t("widget.proposal.booking"));
  const body = {
    store: card.proposal.store.code,
    type: card.proposal.type.code,
    start: item.slot.start,
    conversation_id: card.conversationId,
    visitor_token: getToken(),
    language: config.language,
  };
  const { status, data } = await postAppointment(body);
  setBusy(card, false);
  if (status === 201) {
    rememberBooked(card.messageId, item.slot.start);
    showBooked(card, item.slot.start, data);
  } else {
    if (isTaken(status, data)) setSlot(item, "taken", t("widget.proposal.takenState"));
    say(card, failureText(status, data), "error");
  }
  reveal(card.group);
}

function buildCard(message, proposal) {
  const zone = proposal.store.timezone || "UTC";
  const items = proposal.slots
    .filter((slot) => slot && typeof slot.start === "string")
    .map((slot) => slotButton(slot, zone));
  const status = el("p", {
    className: "cw-proposal-status",
    attrs: { role: "status", "data-testid": "chat-proposal-status" },
  });
  const links = el("p", { className: "cw-proposal-links" });
  links.hidden = true;
  const other = el("p", { className: "cw-proposal-other" });
  if (typeof proposal.book_url === "string" && proposal.book_url) {
    other.append(link(t("widget.proposal.otherTimes"), proposal.book_url, "chat-proposal-other", "noopener"));
  } else {
    other.hidden = true;
  }
  const label = t("widget.proposal.group", { type: proposal.type.name || proposal.type.code });
  const group = el(
    "div",
    { className: "cw-proposal", attrs: { role: "group", "aria-label": label, "data-testid": "chat-proposal" } },
    [el("div", { className: "cw-slots" }, items.map((item) => item.button)), status, links, other],
  );
  const card = {
    group,
    items,
    status,
    links,
    other,
    zone,
    proposal,
    messageId: message.id,
    conversationId: message.conversation_id,
    busy: false,
    bookedAt: null,
  };
  for (const item of items) {
    if (bookable(item.slot)) setSlot(item, "open", "");
    else setSlot(item, "gone", t("widget.proposal.goneState"));
    item.button.addEventListener("click", () => book(card, item));
  }
  const booked = bookedStart(message.id);
  if (booked) showBooked(card, booked, null);
  return card;
}

/** Adds the times under a proposal's bubble, once: a history replay keeps what was done. */
export function showProposal(entry, message, proposal) {
  if (entry.proposal) return;
  entry.proposal = buildCard(message, proposal);
  entry.bubble.after(entry.proposal.group);
}
