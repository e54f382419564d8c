/**
 * The live queue's rows: a shopper waiting, with an "Assign" control, and an ambassador on
 * duty, with their presence and a load bar. Rows are kept by key and updated in place, so a
 * choice half made in a select (and the focus) survives the refresh every few seconds.
 */
import { el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { channelLabel } from "./channels.js";
import { customerName, renderTier } from "./customer.js";
import { formatDuration, languageName } from "./formats.js";
import { toast } from "./notices.js";
import { PRESENCES, presenceLabel } from "./presence.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const LONG_WAIT_SECONDS = 300;

const amount = (n) => formatNumber(Number(n) || 0, { maximumFractionDigits: 1 });
const presenceOf = (person) => (PRESENCES.includes(person.presence) ? person.presence : "offline");
function nameOf(person) {
  const name = person.name || t("queue.anAmbassador");
  return state.staff && person.id === state.staff.id ? t("queue.you", { name }) : name;
}

/** Brings container's children in line with items (in their order), reusing rows by key. */
export function syncKeyed(container, entries, items, keyOf, create, update) {
  const seen = new Set();
  items.forEach((item, index) => {
    const key = keyOf(item);
    seen.add(key);
    let entry = entries.get(key);
    if (!entry) {
      entry = create(item);
      entries.set(key, entry);
    }
    update(entry, item);
    const at = container.children[index] || null;
    if (at !== entry.el) container.insertBefore(entry.el, at);
  });
  for (const [key, entry] of entries) {
    if (seen.has(key)) continue;
    entry.el.remove();
    entries.delete(key);
  }
}

function setRowBusy(row, busy) {
  row.busy = busy;
  row.button.disabled = busy;
  row.select.disabled = busy;
  row.button.textContent = busy ? t("queue.assigning") : t("queue.assign");
}

function assign(row, onAssigned) {
  const ambassadorId = row.select.value;
  if (!ambassadorId || row.busy) {
    if (!ambassadorId) showText(row.error, t("queue.chooseFirst"));
    return;
  }
  const option = row.select.selectedOptions[0];
  const name = (option && option.dataset.name) || t("queue.theAmbassador");
  showText(row.error, "");
  setRowBusy(row, true);
  const payload = { conversation_id: row.conversationId, ambassador_id: ambassadorId };
  const sent = emitNow("assign", payload, (ack) => {
    setRowBusy(row, false);
    if (!ack || ack.error || !ack.conversation) {
      showText(row.error, (ack && ack.error && ack.error.message) || t("queue.assignFailed"));
      return;
    }
    toast(t("queue.assigned", { name }));
    onAssigned();
  });
  if (!sent) {
    setRowBusy(row, false);
    showText(row.error, t("common.notConnected"));
  }
}

/** The select's options follow the store's ambassadors; the current choice is kept. */
function fillAssignOptions(row, ambassadors) {
  const options = ambassadors.map((a) => {
    const full = Number(a.load) >= Number(a.capacity);
    const load = `${amount(a.load)}/${amount(a.capacity)}${full ? ` ${t("queue.full")}` : ""}`;
    const label = `${nameOf(a)} \u00b7 ${presenceLabel(presenceOf(a))} \u00b7 ${load}`;
    return { id: a.id, name: a.name, label };
  });
  const signature = JSON.stringify(options);
  if (signature === row.signature) return;
  row.signature = signature;
  const chosen = row.select.value;
  row.select.replaceChildren(
    el("option", { text: ambassadors.length ? t("queue.chooseAmbassador") : t("queue.noOneConnectedOption"), attrs: { value: "" } }),
    ...options.map((o) => el("option", { text: o.label, attrs: { value: o.id, "data-name": o.name } })),
  );
  if (options.some((o) => o.id === chosen)) row.select.value = chosen;
}

/** A waiting shopper; onAssigned runs after a successful assignment (to refresh the board). */
export function waitingRow(item, onAssigned) {
  const name = el("span", { className: "board-customer" });
  const tier = el("span", { className: "tier" });
  const meta = el("p", { className: "board-meta" });
  const waited = el("p", { className: "board-waited", attrs: { "data-testid": "queue-waited" } });
  const select = el("select", { className: "board-select", attrs: { "data-testid": "queue-assign-to" } });
  const button = el("button", {
    className: "button button-primary",
    text: t("queue.assign"),
    attrs: { type: "button", "data-testid": "queue-assign" },
  });
  const error = el("p", { className: "form-error board-row-error", attrs: { role: "alert", "data-testid": "queue-assign-error" } });
  error.hidden = true;
  const root = el("li", { className: "board-row", attrs: { "data-testid": "queue-waiting", "data-conversation-id": item.conversation_id } }, [
    el("div", { className: "board-row-main" }, [el("p", { className: "board-row-top" }, [name, tier]), meta, waited]),
    el("div", { className: "board-assign" }, [select, button]),
    error,
  ]);
  const row = { el: root, conversationId: item.conversation_id, name, tier, meta, waited, select, button, error, busy: false, signature: "" };
  select.addEventListener("change", () => showText(row.error, ""));
  button.addEventListener("click", () => assign(row, onAssigned));
  return row;
}

export function updateWaitingRow(row, item, ambassadors) {
  const conversation = item.conversation || {};
  const who = customerName(conversation.customer);
  row.name.textContent = who;
  renderTier(row.tier, conversation.customer && conversation.customer.tier);
  const priority = Number(item.priority) > 0 ? t("queue.priority", { priority: formatNumber(Number(item.priority)) }) : "";
  const meta = [channelLabel(conversation.channel), languageName(conversation.language), priority];
  row.meta.textContent = meta.filter(Boolean).join(" \u00b7 ");
  const seconds = Number(item.waited_seconds) || 0;
  row.waited.textContent = t("queue.waited", { wait: formatDuration(seconds) });
  row.el.dataset.long = seconds >= LONG_WAIT_SECONDS ? "true" : "false";
  row.select.setAttribute("aria-label", t("queue.assignTo", { name: who }));
  row.button.setAttribute("aria-label", t("queue.assignName", { name: who }));
  fillAssignOptions(row, ambassadors);
}

/** An ambassador on duty: name, presence and how much of their capacity is in use. */
export function ambassadorRow() {
  const name = el("span", { className: "board-person-name" });
  const presence = el("span", { className: "presence-pill" });
  const meter = el("meter", { className: "board-load", attrs: { min: "0" } });
  const load = el("span", { className: "board-load-text" });
  const root = el("li", { className: "board-person", attrs: { "data-testid": "queue-ambassador" } }, [
    el("p", { className: "board-person-top" }, [name, presence]),
    el("div", { className: "board-load-line" }, [meter, load]),
  ]);
  return { el: root, name, presence, meter, load };
}

export function updateAmbassadorRow(row, person) {
  const kind = presenceOf(person);
  const capacity = Math.max(Number(person.capacity) || 0, 0.1);
  const used = Math.max(Number(person.load) || 0, 0);
  row.el.dataset.presence = kind;
  row.name.textContent = nameOf(person);
  row.presence.textContent = presenceLabel(kind);
  row.presence.dataset.presence = kind;
  // max first: a meter clamps value, low and high to its range.
  Object.assign(row.meter, { max: capacity, low: capacity * 0.5, high: capacity * 0.99, optimum: 0 });
  row.meter.value = Math.min(used, capacity);
  row.meter.setAttribute("aria-label", t("queue.load", { used: amount(used), capacity: amount(person.capacity) }));
  row.load.textContent = `${amount(used)}/${amount(person.capacity)}`;
}
