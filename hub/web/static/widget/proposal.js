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
import { config } from "./config.js";
import { cityOf, instant, shopperWhen, whenIn } from "./proposal-times.js";
import { bookedStart, getToken, rememberBooked } from "./storage.js";
import { ui } from "./ui.js";

/** Every string the proposal shows, together, for translation. */
const TEXT = {
  group: (type) => `Proposed times: ${type}`,
  zoneTime: (city) => `${city} time`,
  yourTime: (when) => `${when} your time`,
  booking: "Booking\u2026",
  booked: (when, zone) => `Booked \u2014 ${when}, ${zone}`,
  bookedState: "Booked",
  goneState: "No longer available",
  takenState: "Just taken",
  taken: "That time was just taken \u2014 choose another or see other times.",
  busy: "Too many attempts. Please wait a moment and try again.",
  offline: "The boutique could not be reached. Check your connection and try again, or see other times.",
  failed: "This time could not be booked. Please try again, or see other times.",
  manage: "Manage or cancel",
  video: "Join the video call",
  otherTimes: "Other times",
};

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
    el("span", { className: "cw-slot-zone", text: TEXT.zoneTime(cityOf(zone)) }),
    yours ? el("span", { className: "cw-slot-yours", text: TEXT.yourTime(yours), attrs: { "data-testid": YOURS } }) : null,
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
    if (item.slot.start === start) setSlot(item, "booked", TEXT.bookedState);
    else setSlot(item, "gone", TEXT.goneState);
  }
  const moment = instant(start);
  const when = moment ? whenIn(moment, card.zone) : start;
  say(card, TEXT.booked(when, TEXT.zoneTime(cityOf(card.zone))), "done");
  const links = [];
  if (appointment && typeof appointment.manage_url === "string") {
    links.push(link(TEXT.manage, appointment.manage_url, "chat-proposal-manage", "noopener noreferrer"));
  }
  if (appointment && typeof appointment.video_url === "string" && appointment.video_url) {
    links.push(link(TEXT.video, appointment.video_url, "chat-proposal-video", "noopener noreferrer"));
  }
  card.links.replaceChildren(...links);
  card.links.hidden = links.length === 0;
}

async function postAppointment(body) {
  try {
    const response = await fetch(`${config.hubBase}/api/appointments`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    return { status: response.status, data: await response.json().catch(() => null) };
  } catch (_err) {
    return { status: 0, data: null }; // offline, or the hub refused this shop's origin
  }
}

const isTaken = (status, data) => status === 409 && Boolean(data && data.error && data.error.code === "slot_taken");

function failureText(status, data) {
  if (isTaken(status, data)) return TEXT.taken;
  if (status === 429) return TEXT.busy;
  if (status === 0) return TEXT.offline;
  return TEXT.failed;
}

async function book(card, item) {
  if (card.busy || item.locked || card.bookedAt) return;
  setBusy(card, true);
  say(card, TEXT.booking);
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
    if (isTaken(status, data)) setSlot(item, "taken", TEXT.takenState);
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
    other.append(link(TEXT.otherTimes, proposal.book_url, "chat-proposal-other", "noopener"));
  } else {
    other.hidden = true;
  }
  const label = TEXT.group(proposal.type.name || proposal.type.code);
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
    else setSlot(item, "gone", TEXT.goneState);
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
