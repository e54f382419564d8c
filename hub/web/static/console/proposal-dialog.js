/**
 * Proposing an appointment from the open conversation: an appointment type of the
 * conversation's boutique, then one to three free times (proposal-times.js), sent with
 * `POST /api/conversations/{id}/proposals`. The client_id is kept until the hub has answered,
 * so sending again after a lost answer stores one proposal, not two. The proposal then comes
 * back as a message of the conversation (proposal-card.js draws it).
 */
import { button, el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { newClientId } from "../shared/ids.js";
import { api } from "./api.js";
import { typeLine } from "./appointment-text.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { onMessage } from "./live-events.js";
import { announce } from "./notices.js";
import { freeSlots, timePicker } from "./proposal-times.js";
import { isManager, sessionEnded } from "./session.js";
import { state } from "./state.js";
import { loadStores } from "./stores.js";
import { clockIn, dayKeyIn, instant, shortDay } from "./zoned-time.js";

const MAX_TIMES = 3;

const max = () => formatNumber(MAX_TIMES);

const dialog = { parts: null, conversationId: null, store: null, clientId: null, busy: false, chosen: new Map() };

/** Only the assigned ambassador (or a manager) proposes times, in a conversation still open. */
export function canPropose(conversation) {
  if (!conversation || conversation.status !== "assigned") return false;
  const assigned = conversation.assigned_to;
  return isManager() || !assigned || !assigned.id || Boolean(state.staff && assigned.id === state.staff.id);
}

const showError = (message) => showText(parts().error, message);

function setBusy(busy) {
  dialog.busy = busy;
  parts().send.disabled = busy;
  parts().send.textContent = busy ? t("proposal.sending") : t("proposal.send");
}

/** "Thu 26 Nov, 10:00": how a chosen time is listed. */
function chosenLabel(slot) {
  const start = instant(slot.start);
  const zone = dialog.store ? dialog.store.timezone : "UTC";
  return start ? t("appointment.dayTime", { day: shortDay(dayKeyIn(start, zone)), time: clockIn(start, zone) }) : slot.start;
}

function renderChosen() {
  const p = parts();
  const slots = Array.from(dialog.chosen.values()).sort((a, b) => instant(a.start) - instant(b.start));
  p.chosenTitle.textContent = t("proposal.chosen", { chosen: formatNumber(slots.length), max: max() });
  p.chosenList.replaceChildren(
    ...slots.map((slot) => {
      const label = chosenLabel(slot);
      const remove = button("\u00d7", "button button-quiet proposal-remove", "proposal-chosen-remove");
      remove.setAttribute("aria-label", t("proposal.remove", { when: label }));
      remove.addEventListener("click", () => {
        dialog.chosen.delete(slot.start);
        onChosenChange();
        p.chosenTitle.focus();
      });
      return el("li", { className: "proposal-chosen-item", attrs: { "data-testid": "proposal-chosen", "data-start": slot.start } }, [
        el("span", { text: label }),
        remove,
      ]);
    }),
  );
  p.chosenEmpty.hidden = slots.length > 0;
}

function onChosenChange() {
  showError("");
  renderChosen();
  parts().times.render();
}

function typeOption(type, checked) {
  const input = el("input", {
    attrs: { type: "radio", name: "proposal-type", value: type.code, "data-testid": "proposal-type" },
  });
  input.checked = checked;
  input.addEventListener("change", () => {
    if (!input.checked) return;
    // Times free for one length may not be for another: start the choice again.
    dialog.chosen.clear();
    onChosenChange();
    parts().times.setType(type.code);
  });
  return el("label", { className: "proposal-type" }, [input, el("span", { text: typeLine(type) })]);
}

function failure(err) {
  if (err && err.status === 401) {
    closeProposal();
    sessionEnded();
    return;
  }
  showError((err && err.message) || t("proposal.failed"));
}

function parts() {
  if (dialog.parts) return dialog.parts;
  const types = el("div", { className: "proposal-types" });
  const times = timePicker({ chosen: dialog.chosen, max: MAX_TIMES, onChange: onChosenChange, onFailure: failure });
  const chosenTitle = el("p", { className: "proposal-chosen-title", attrs: { tabindex: "-1" } });
  const chosenList = el("ul", { className: "proposal-chosen-list" });
  const chosenEmpty = el("p", { className: "empty", text: t("proposal.noneChosen") });
  const intro = el("p", { className: "dialog-intro" });
  const error = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": "proposal-error" } });
  const cancel = button(t("common.cancel"), "button button-quiet", "proposal-cancel");
  const send = button(t("proposal.send"), "button button-primary", "proposal-send", "submit");
  const form = el("form", { className: "dialog-form", attrs: { novalidate: "" } }, [
    el("h2", { className: "dialog-title", text: t("proposal.title"), attrs: { id: "proposal-title" } }),
    intro,
    el("fieldset", { className: "proposal-fieldset" }, [el("legend", { text: t("proposal.type") }), types]),
    times.el,
    el("div", { className: "proposal-chosen", attrs: { "aria-live": "polite" } }, [chosenTitle, chosenEmpty, chosenList]),
    error,
    el("div", { className: "dialog-actions" }, [cancel, send]),
  ]);
  error.hidden = true;
  dom.proposalDialog.replaceChildren(form);
  form.addEventListener("submit", onSubmit);
  cancel.addEventListener("click", closeProposal);
  dom.proposalDialog.addEventListener("close", () => {
    dialog.conversationId = null;
    times.stop();
  });
  dialog.parts = { form, intro, types, times, chosenTitle, chosenList, chosenEmpty, error, send };
  return dialog.parts;
}

export async function openProposal() {
  const conversation = state.conversations.get(state.selectedId);
  if (!canPropose(conversation) || dom.proposalDialog.open) return;
  const p = parts();
  Object.assign(dialog, { conversationId: conversation.id, store: null, clientId: newClientId() });
  dialog.chosen.clear();
  p.intro.textContent = t("proposal.intro", { name: customerName(conversation.customer), max: max() });
  p.types.replaceChildren();
  showError("");
  setBusy(false);
  renderChosen();
  dom.proposalDialog.showModal();
  let stores;
  try {
    stores = await loadStores();
  } catch (err) {
    if (err.status === 401) failure(err);
    else showError(t("proposal.storesFailed", { message: err.message }));
    return;
  }
  if (dialog.conversationId !== conversation.id) return; // closed meanwhile
  const store = stores.get(conversation.store);
  const types = (store && store.appointment_types) || [];
  if (!types.length) {
    showError(t("proposal.noTypes"));
    return;
  }
  dialog.store = store;
  p.types.replaceChildren(...types.map((type, index) => typeOption(type, index === 0)));
  p.types.querySelector("input").focus();
  p.times.start({ store: store.code, type: types[0].code, language: conversation.language || null }, store.timezone);
}

export function closeProposal() {
  if (dom.proposalDialog.open) dom.proposalDialog.close();
}

async function onSubmit(event) {
  event.preventDefault();
  const conversationId = dialog.conversationId;
  const p = parts();
  const type = p.types.querySelector("input:checked");
  if (!conversationId || !type || dialog.busy) return;
  const starts = Array.from(dialog.chosen.keys()).sort((a, b) => instant(a) - instant(b));
  if (!starts.length) {
    showError(t("proposal.chooseTime"));
    return;
  }
  showError("");
  setBusy(true);
  const body = { client_id: dialog.clientId, type: type.value, starts };
  let message;
  try {
    message = await api("POST", `/api/conversations/${encodeURIComponent(conversationId)}/proposals`, body);
  } catch (err) {
    if (dialog.conversationId !== conversationId) return;
    setBusy(false);
    // The hub answered "no": nothing was stored, so the next attempt is a new proposal.
    if (err.status >= 400 && err.status < 500) dialog.clientId = newClientId();
    if (err.status === 409) await dropTakenTimes(type.value);
    else failure(err);
    return;
  }
  if (dialog.conversationId === conversationId) closeProposal();
  onMessage(message); // into the timeline and the list preview, like a reply
  announce(t("proposal.sent"));
}

/** After a 409: fetch each chosen day again and keep only the times still free. */
async function dropTakenTimes(typeCode) {
  const p = parts();
  showError(t("proposal.taken"));
  const store = dialog.store;
  if (!store) return;
  const conversation = state.conversations.get(dialog.conversationId) || {};
  const query = { store: store.code, type: typeCode, language: conversation.language || null };
  const days = new Set(Array.from(dialog.chosen.keys()).map((start) => dayKeyIn(instant(start), store.timezone)));
  try {
    const free = new Set();
    for (const day of days) for (const slot of await freeSlots(query, day)) free.add(slot.start);
    for (const start of Array.from(dialog.chosen.keys())) if (!free.has(start)) dialog.chosen.delete(start);
  } catch (_err) {
    // The day's list below says what went wrong; the choice stays as it was.
  }
  renderChosen();
  p.times.reload();
}

export function wireProposal() {
  dom.proposalOpen.addEventListener("click", openProposal);
}
