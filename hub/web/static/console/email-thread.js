/**
 * An e-mail conversation as the ambassador needs to read it: the client's address beside the
 * channel and the thread's subject in the header, and above the composer where a reply goes
 * (from the store's mailbox, or the hub's own address). From the hub's channel_state.email;
 * until that names a subject, the subject of the earliest mail in the timeline.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { renderChannelBadge } from "./channels.js";
import { dom } from "./elements.js";
import { state } from "./state.js";

const replyVia = (to, from) => (to ? t("email.replyViaTo", { to, from }) : t("email.replyVia", { from }));

const threads = new Map(); // conversation id -> {address, subject, mailbox} from the hub
const learnt = new Map(); // conversation id -> {seq, subject} of the earliest mail seen

const text = (value) => (typeof value === "string" ? value.trim() : "");

/** "Re: Fwd: The ring" and "the ring" are one subject. */
const normalise = (subject) =>
  text(subject)
    .replace(/^((re|fwd?|aw|wg|sv|tr|rif)\s*(\[\d+\])?\s*:\s*)+/i, "")
    .replace(/\s+/g, " ")
    .toLowerCase();

/** The hub's channel_state for a conversation (nothing for other channels). */
export function setEmailState(conversationId, channelState) {
  const email = channelState && channelState.email;
  if (!email) {
    threads.delete(conversationId);
    return;
  }
  threads.set(conversationId, { address: text(email.address), subject: text(email.subject), mailbox: text(email.mailbox) });
}

/** The subject the header shows for a conversation ("" while none is known). */
export function threadSubject(conversationId) {
  const thread = threads.get(conversationId);
  if (thread && thread.subject) return thread.subject;
  const first = learnt.get(conversationId);
  return first ? first.subject : "";
}

/**
 * A mail's subject, unless it is the thread's (shown once, in the header); notes the first
 * mail's subject for a thread whose subject the hub has not told.
 */
export function subjectToShow(message) {
  const subject = text(message.data && message.data.subject);
  if (!subject) return "";
  const id = message.conversation_id;
  const before = threadSubject(id);
  const seq = Number(message.seq) || 0;
  const first = learnt.get(id);
  if (!first || seq < first.seq) learnt.set(id, { seq, subject });
  const now = threadSubject(id);
  if (now !== before && id === state.selectedId) renderEmailHeader(state.conversations.get(id) || { id, channel: "email" });
  return normalise(subject) === normalise(now) ? "" : subject;
}

function renderSubject(subject) {
  dom.convSubject.replaceChildren(
    el("span", { className: "conv-subject-label", text: `${t("email.subject")} ` }),
    el("span", { className: "conv-subject-text", text: subject }),
  );
  dom.convSubject.hidden = !subject;
}

/** The header's address and subject and the composer's line, for the conversation on screen. */
export function renderEmailHeader(conversation) {
  const email = Boolean(conversation && conversation.channel === "email");
  const thread = (email && threads.get(conversation.id)) || {};
  if (email) renderChannelBadge(dom.convChannel, "email", thread.address);
  renderSubject(email ? threadSubject(conversation.id) : "");
  const open = email && conversation.status !== "closed";
  dom.replyVia.textContent = open ? replyVia(thread.address, thread.mailbox || t("email.hubAddress")) : "";
  dom.replyVia.hidden = !open;
}

export function forgetEmailStates() {
  threads.clear();
  learnt.clear();
}
