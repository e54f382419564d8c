/**
 * Handing the open conversation over: to a colleague (chosen among who is connected) or to
 * another boutique's queue, with an optional note for whoever takes it. Once handed over the
 * conversation is no longer ours, so it leaves the list.
 */
import { el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { dropConversation } from "./conversation-pane.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { toast } from "./notices.js";
import { PRESENCES, presenceLabel } from "./presence.js";
import { sessionEnded } from "./session.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const MAX_NOTE = 1000;
const ORDER = { available: 0, away: 1, offline: 2 };

let forConversation = null; // the conversation the open dialog is about
let peopleTicket = 0; // ignores a colleagues list that arrives after the dialog moved on

const showError = (message) => showText(dom.transferError, message);
const setPeopleStatus = (text) => showText(dom.transferPeopleStatus, text);

function setBusy(busy) {
  dom.transferSubmit.disabled = busy;
  dom.transferSubmit.textContent = busy ? t("transfer.sending") : t("transfer.submit");
}

function updateCount() {
  const count = formatNumber(dom.transferNote.value.length);
  dom.transferNoteCount.textContent = t("transfer.noteCount", { count, max: formatNumber(MAX_NOTE) });
}

function personOption(person) {
  const presence = PRESENCES.includes(person.presence) ? person.presence : "offline";
  const input = el("input", {
    attrs: {
      type: "radio",
      name: "transfer-to",
      value: person.id,
      "data-testid": "transfer-ambassador",
      "data-name": person.name,
      disabled: presence === "offline" ? "" : undefined,
    },
  });
  input.addEventListener("change", () => {
    if (input.checked) dom.transferStore.value = "";
    showError("");
  });
  return el("li", {}, [
    el("label", { className: "transfer-person", attrs: { "data-presence": presence } }, [
      input,
      el("span", { className: "transfer-person-name", text: person.name || t("notes.colleague") }),
      el("span", { className: "presence-pill", attrs: { "data-presence": presence }, text: presenceLabel(presence) }),
    ]),
  ]);
}

async function loadColleagues() {
  const ticket = ++peopleTicket;
  dom.transferPeople.replaceChildren();
  setPeopleStatus(t("transfer.loadingColleagues"));
  let data;
  try {
    data = await api("GET", "/api/ambassadors");
  } catch (err) {
    if (ticket !== peopleTicket) return;
    if (err.status === 401) {
      closeTransfer();
      sessionEnded();
      return;
    }
    setPeopleStatus(t("transfer.colleaguesFailed", { message: err.message }));
    return;
  }
  if (ticket !== peopleTicket) return;
  const people = ((data && data.ambassadors) || [])
    .slice()
    .sort((a, b) => (ORDER[a.presence] ?? 2) - (ORDER[b.presence] ?? 2));
  dom.transferPeople.replaceChildren(...people.map(personOption));
  setPeopleStatus(people.length ? "" : t("transfer.noColleagues"));
}

export function openTransfer() {
  const conversation = state.conversations.get(state.selectedId);
  if (!conversation || conversation.status !== "assigned") return;
  forConversation = conversation.id;
  dom.transferIntro.textContent = t("transfer.intro", { name: customerName(conversation.customer) });
  dom.transferStore.value = "";
  dom.transferNote.value = "";
  updateCount();
  showError("");
  setBusy(false);
  dom.transferDialog.showModal();
  loadColleagues();
}

export function closeTransfer() {
  if (dom.transferDialog.open) dom.transferDialog.close();
}

function onSubmit(event) {
  event.preventDefault();
  const conversationId = forConversation;
  if (!conversationId || dom.transferSubmit.disabled) return;
  const chosen = dom.transferPeople.querySelector("input[name=transfer-to]:checked");
  const store = dom.transferStore.value.trim().toUpperCase();
  const note = dom.transferNote.value.trim();
  if (!chosen && !store) {
    showError(t("transfer.chooseTarget"));
    return;
  }
  if (note.length > MAX_NOTE) {
    showError(t("transfer.noteTooLong", { max: formatNumber(MAX_NOTE) }));
    return;
  }
  const payload = { conversation_id: conversationId, to: chosen ? { ambassador_id: chosen.value } : { store } };
  if (note) payload.note = note;
  const target = chosen ? chosen.dataset.name || t("transfer.yourColleague") : store;
  showError("");
  setBusy(true);
  const sent = emitNow("transfer", payload, (ack) => onTransferAck(conversationId, target, ack));
  if (!sent) {
    setBusy(false);
    showError(t("common.notConnected"));
  }
}

function onTransferAck(conversationId, target, ack) {
  setBusy(false);
  if (!ack || ack.error || !ack.conversation) {
    const message = (ack && ack.error && ack.error.message) || t("transfer.failed");
    if (dom.transferDialog.open && forConversation === conversationId) showError(message);
    else toast(message);
    return;
  }
  settleTransfer(conversationId, target);
}

/** The ack and the hub's "transferred" event both end here; whichever comes first speaks. */
function settleTransfer(conversationId, to) {
  if (forConversation === conversationId) closeTransfer();
  if (dropConversation(conversationId)) toast(t("transfer.done", { name: to }));
}

/** {conversation_id, to}: a conversation of ours went to someone else (to is a name). */
export function onTransferred(payload) {
  if (!payload || !payload.conversation_id) return;
  settleTransfer(payload.conversation_id, payload.to || t("common.aColleague"));
}

export function wireTransfer() {
  dom.transferOpen.addEventListener("click", openTransfer);
  dom.transferCancel.addEventListener("click", closeTransfer);
  dom.transferForm.addEventListener("submit", onSubmit);
  dom.transferNote.addEventListener("input", updateCount);
  dom.transferStore.addEventListener("input", () => {
    if (dom.transferStore.value.trim()) {
      for (const radio of dom.transferPeople.querySelectorAll("input[name=transfer-to]")) radio.checked = false;
    }
    showError("");
  });
  dom.transferDialog.addEventListener("close", () => {
    forConversation = null;
    peopleTicket += 1;
  });
}
