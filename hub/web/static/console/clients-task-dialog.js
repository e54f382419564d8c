/**
 * "New task" for a client: what to do, by which day, and a note. Opened from a client's card
 * (the client is fixed) or from the Tasks tab (choose among my clients). The day is a
 * calendar day; the hub counts overdue/today on the store's clock.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { todayIso } from "./clients-format.js";
import { announce } from "./notices.js";

const dialog = { parts: null, onSaved: null, busy: false };

function tomorrow() {
  const day = new Date(`${todayIso()}T12:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

function field(id, labelKey, control) {
  control.id = id;
  return el("div", { className: "clients-field" }, [el("label", { text: t(labelKey), attrs: { for: id } }), control]);
}

function parts() {
  if (dialog.parts) return dialog.parts;
  const root = el("dialog", { className: "dialog", attrs: { "aria-labelledby": "clients-task-title", "data-testid": "clients-task-dialog" } });
  const client = el("select", { attrs: { required: "", "data-testid": "clients-task-client" } });
  const clientName = el("p", { className: "dialog-intro", attrs: { "data-testid": "clients-task-client-name" } });
  const title = el("input", { attrs: { type: "text", maxlength: "200", required: "", "data-testid": "clients-task-title" } });
  const due = el("input", { attrs: { type: "date", required: "", "data-testid": "clients-task-due" } });
  const note = el("textarea", { attrs: { rows: "3", maxlength: "2000", "data-testid": "clients-task-note" } });
  const error = el("p", { className: "form-error", attrs: { role: "alert" } });
  const cancel = button(t("clients.task.cancel"), "button button-quiet", "clients-task-cancel");
  const save = button(t("clients.task.save"), "button", "clients-task-save", "submit");
  const clientField = field("clients-task-client", "clients.task.client", client);
  const form = el("form", { className: "dialog-form", attrs: { novalidate: "" } }, [
    el("h2", { className: "dialog-title", text: t("clients.task.heading"), attrs: { id: "clients-task-title" } }),
    clientName,
    clientField,
    field("clients-task-what", "clients.task.titleLabel", title),
    field("clients-task-due", "clients.task.due", due),
    field("clients-task-note", "clients.task.note", note),
    error,
    el("div", { className: "dialog-actions" }, [cancel, save]),
  ]);
  root.append(form);
  document.body.append(root);
  cancel.addEventListener("click", () => root.close());
  form.addEventListener("submit", onSubmit);
  dialog.parts = { root, client, clientName, clientField, title, due, note, error, save };
  return dialog.parts;
}

async function onSubmit(event) {
  event.preventDefault();
  const p = parts();
  if (dialog.busy) return;
  const title = p.title.value.trim();
  if (!p.client.value) return showText(p.error, t("clients.task.needClient"));
  if (!title) return showText(p.error, t("clients.task.needTitle"));
  if (!p.due.value) return showText(p.error, t("clients.task.needDue"));
  dialog.busy = true;
  p.save.disabled = true;
  try {
    const body = { customer_id: p.client.value, title, due_on: p.due.value };
    if (p.note.value.trim()) body.note = p.note.value.trim();
    await api("POST", "/api/tasks", body);
    p.root.close();
    announce(t("clients.task.added"));
    if (dialog.onSaved) dialog.onSaved();
  } catch (err) {
    showText(p.error, err.message || t("clients.failed"));
  } finally {
    dialog.busy = false;
    p.save.disabled = false;
  }
}

/** `client`: {id, name} to fix the client, or null to choose among `choices` [{id, name}]. */
export function openTaskDialog(client, choices, onSaved) {
  const p = parts();
  dialog.onSaved = onSaved;
  const options = client ? [client] : choices;
  p.client.replaceChildren(...options.map((c) => el("option", { text: c.name, attrs: { value: c.id } })));
  p.clientField.hidden = Boolean(client);
  showText(p.clientName, client ? client.name : "");
  p.title.value = "";
  p.note.value = "";
  p.due.value = tomorrow();
  showText(p.error, "");
  p.root.showModal();
  (client ? p.title : p.client).focus();
}

/** Signed out: built afresh for the next person (their language). */
export function forgetTaskDialog() {
  if (!dialog.parts) return;
  dialog.parts.root.remove();
  dialog.parts = null;
}
