/**
 * "Reach out": write first to a client on a channel they agreed to. The hub says, per
 * purpose, which channels may be used and why the others may not; an unavailable channel is
 * shown disabled with its reason written out (not hidden in a tooltip), so the ambassador
 * knows what to do instead. Sending opens the new conversation in the workspace.
 */
import { button, el, showText } from "../shared/dom.js";
import { formatCalendarDay, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { announce } from "./notices.js";

const PURPOSES = ["service", "marketing"];
const dialog = { parts: null, client: null, taskId: null, ticket: 0, busy: false, onSent: null };

function parts() {
  if (dialog.parts) return dialog.parts;
  const root = el("dialog", { className: "dialog", attrs: { "aria-labelledby": "clients-outreach-title", "data-testid": "clients-outreach" } });
  const heading = el("h2", { className: "dialog-title", attrs: { id: "clients-outreach-title" } });
  const purposes = el("fieldset", { className: "clients-choices" }, [el("legend", { text: t("clients.outreach.purpose") })]);
  for (const purpose of PURPOSES) {
    const input = el("input", {
      attrs: { type: "radio", name: "clients-purpose", value: purpose, id: `clients-purpose-${purpose}`, "data-testid": `clients-purpose-${purpose}` },
    });
    input.addEventListener("change", loadChannels);
    purposes.append(
      el("div", { className: "clients-choice" }, [
        input,
        el("label", { text: t(`clients.outreach.purpose.${purpose}`), attrs: { for: `clients-purpose-${purpose}` } }),
      ]),
    );
  }
  const channels = el("fieldset", { className: "clients-choices", attrs: { "data-testid": "clients-channels" } });
  const status = el("p", { className: "empty", attrs: { role: "status" } });
  const text = el("textarea", { attrs: { id: "clients-outreach-text", rows: "4", maxlength: "1600", "data-testid": "clients-outreach-text" } });
  const error = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": "clients-outreach-error" } });
  const cancel = button(t("clients.outreach.cancel"), "button button-quiet", "clients-outreach-cancel");
  const send = button(t("clients.outreach.send"), "button", "clients-outreach-send", "submit");
  const form = el("form", { className: "dialog-form", attrs: { novalidate: "" } }, [
    heading,
    purposes,
    channels,
    status,
    el("div", { className: "clients-field" }, [el("label", { text: t("clients.outreach.text"), attrs: { for: "clients-outreach-text" } }), text]),
    error,
    el("div", { className: "dialog-actions" }, [cancel, send]),
  ]);
  root.append(form);
  document.body.append(root);
  cancel.addEventListener("click", () => root.close());
  form.addEventListener("submit", onSubmit);
  dialog.parts = { root, heading, purposes, channels, status, text, error, send };
  return dialog.parts;
}

function purpose() {
  const chosen = parts().purposes.querySelector("input:checked");
  return chosen ? chosen.value : "service";
}

function reasonText(reason) {
  const date = reason.at ? formatCalendarDay(reason.at.slice(0, 10)) : "";
  const key = `clients.reason.${reason.code}`;
  const text = t(key, { date });
  return text === key ? reason.message : text;
}

function channelRow(option, first) {
  const id = `clients-channel-${option.channel}`;
  const input = el("input", {
    attrs: { type: "radio", name: "clients-channel", value: option.channel, id, "data-testid": `clients-channel-${option.channel}` },
  });
  input.disabled = !option.available;
  input.checked = option.available && first;
  const label = el("label", { attrs: { for: id } }, [
    el("span", { className: "clients-channel-name", text: t(`clients.outreach.channel.${option.channel}`) }),
    option.address ? el("span", { className: "clients-channel-address", text: option.address }) : null,
  ]);
  const why = option.available
    ? null
    : el("p", {
        className: "clients-channel-reason",
        text: reasonText(option.reason),
        attrs: { id: `${id}-reason`, "data-testid": `clients-channel-reason-${option.channel}` },
      });
  if (why) input.setAttribute("aria-describedby", why.id);
  return el(
    "div",
    { className: "clients-choice clients-channel", attrs: { "data-available": String(option.available), "data-testid": `clients-channel-row-${option.channel}` } },
    [input, label, why],
  );
}

async function loadChannels() {
  const p = parts();
  const ticket = ++dialog.ticket;
  showText(p.status, t("clients.loading"));
  showText(p.error, "");
  p.channels.replaceChildren(el("legend", { text: t("clients.outreach.channel") }));
  let answer;
  try {
    answer = await api("GET", `/api/customers/${encodeURIComponent(dialog.client.id)}/outreach?purpose=${purpose()}`);
  } catch (err) {
    if (ticket === dialog.ticket) showText(p.status, err.message || t("clients.failed"));
    return;
  }
  if (ticket !== dialog.ticket) return;
  let first = true;
  for (const option of answer.channels || []) {
    p.channels.append(channelRow(option, first));
    if (option.available) first = false;
  }
  p.send.disabled = first;
  showText(p.status, first ? t("clients.outreach.noChannel") : "");
}

async function onSubmit(event) {
  event.preventDefault();
  const p = parts();
  const chosen = p.channels.querySelector("input:checked");
  if (dialog.busy || !chosen) return;
  const text = p.text.value.trim();
  if (!text) return showText(p.error, t("clients.outreach.needText"));
  dialog.busy = true;
  p.send.disabled = true;
  const body = { channel: chosen.value, purpose: purpose(), text };
  if (dialog.taskId) body.task_id = dialog.taskId;
  try {
    const sent = await api("POST", `/api/customers/${encodeURIComponent(dialog.client.id)}/outreach`, body);
    p.root.close();
    announce(t("clients.outreach.sent"));
    if (dialog.onSent) dialog.onSent(sent.conversation_id);
  } catch (err) {
    const reason = err.details && err.details.code ? { code: err.details.code, message: err.message } : null;
    showText(p.error, reason ? reasonText(reason) : err.message || t("clients.failed"));
    if (err.status === 409) loadChannels();
  } finally {
    dialog.busy = false;
    p.send.disabled = false;
  }
}

/** `onSent(conversationId)`: the caller opens the conversation. */
export function openOutreach(client, taskId, onSent) {
  const p = parts();
  Object.assign(dialog, { client, taskId: taskId || null, onSent });
  p.heading.textContent = t("clients.outreach.title", { name: client.name });
  p.purposes.querySelector('input[value="service"]').checked = true;
  p.text.value = "";
  p.root.showModal();
  p.text.focus();
  loadChannels();
}

export function forgetOutreach() {
  if (!dialog.parts) return;
  dialog.parts.root.remove();
  dialog.parts = null;
  dialog.client = null;
}
