/**
 * Writing to the boutique. Each message gets a client_id and sits in the outbox until the
 * hub acknowledges it; the hub stores a client_id once, so re-sending after a reconnect or a
 * page reload is safe and nothing typed is ever lost. The first message of a conversation
 * carries the "About you" details (widget/about-you.js) in its outbox item, re-sends included.
 */
import { t } from "../shared/i18n.js";
import { newClientId } from "../shared/ids.js";
import { typingSignal } from "../shared/typing.js";
import { contactNotSent, isContactError, messageStored, showContactError, takeContact } from "./about-you.js";
import { ensureConnected } from "./connection.js";
import { confirmPending, dropPending, showFailure, showPending } from "./messages.js";
import { setStatus } from "./panel.js";
import { state } from "./state.js";
import { addToOutbox, readOutbox, removeFromOutbox } from "./storage.js";
import { autosize, ui } from "./ui.js";

const isConnected = () => Boolean(state.socket && state.socket.connected);

/** Our typing, told to the ambassador. */
export const localTyping = typingSignal((active) => {
  if (!isConnected()) return false;
  state.socket.emit("typing", { typing: active });
  return true;
});

export function sendFromInput() {
  const text = ui.input.value;
  if (text === "") return; // nothing typed; blank-but-not-empty text goes to the hub, which explains
  send({ client_id: newClientId(), text, created_ms: Date.now() });
}

/** Files uploaded by widget/uploads.js leave with whatever is typed in the field (or nothing). */
export function sendFiles(attachments) {
  const text = ui.input.value.trim() ? ui.input.value : "";
  send({ client_id: newClientId(), text, attachments, created_ms: Date.now() });
}

function send(item) {
  const contact = takeContact(item.client_id);
  if (contact) item.contact = contact;
  addToOutbox(item);
  showPending(item);
  ui.input.value = "";
  autosize();
  localTyping.stop();
  // A message after "closed" starts a new conversation: the old status no longer applies.
  if (state.status.kind === "closed") setStatus({ kind: "idle" });
  if (isConnected()) emitMessage(item);
  else ensureConnected(); // the connect handler flushes the outbox
}

function emitMessage(item) {
  const payload = { client_id: item.client_id, text: item.text };
  if (item.contact) payload.contact = item.contact;
  if (item.attachments) payload.attachments = item.attachments.map((a) => a.id);
  state.socket.emit("message", payload, (ack) => onMessageAck(item, ack));
}

/** The hub stored nothing: the text goes back into the message field, ahead of anything new. */
function restoreText(text) {
  ui.input.value = ui.input.value ? `${text}\n${ui.input.value}` : text;
  autosize();
}

function onMessageAck(item, ack) {
  const entry = state.byClientId.get(item.client_id);
  removeFromOutbox(item.client_id);
  if (!ack || ack.error) {
    const error = ack && ack.error;
    if (!entry) return; // a duplicate ack (re-send after reconnect) that was already applied
    if (isContactError(error)) {
      // A detail was refused: fix it beside the field and send again, the message still typed.
      dropPending(item.client_id);
      restoreText(item.text);
      showContactError(item, error);
      return;
    }
    showFailure(entry, (error && error.message) || t("widget.sendFailed"));
    contactNotSent(item);
    return;
  }
  messageStored(item);
  if (!entry) return; // a duplicate ack (re-send after reconnect) that was already applied
  state.byClientId.delete(item.client_id);
  confirmPending(entry, {
    id: ack.id,
    conversation_id: ack.conversation_id,
    seq: ack.seq,
    created_at: ack.created_at,
    author: { kind: "customer", name: null },
    text: item.text,
    data: item.attachments ? { attachments: item.attachments } : undefined,
  });
}

/** Re-send everything not yet acknowledged; the hub de-duplicates by client_id. */
export function flushOutbox() {
  for (const item of readOutbox()) {
    if (!state.byClientId.has(item.client_id)) showPending(item);
    emitMessage(item);
  }
}

export function onLocalTyping() {
  if (!isConnected()) return;
  localTyping.input(null, ui.input.value);
}
