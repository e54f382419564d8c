/*
 * The demo shop's "Write to us" form (chat.html): name, e-mail, an optional phone, the
 * message and news by e-mail if ticked, sent to the hub, which opens an e-mail conversation
 * in the boutique's queue and mails the shopper a receipt. The boutique is the page's
 * ?store=, as for the chat widget. What was typed stays in place until the hub has it.
 */
import { contactFields } from "./fields.js";
import { sendContact } from "./send.js";
import { TEXT } from "./text.js";

const form = document.getElementById("contact-form");
const submit = document.getElementById("contact-submit");
const general = document.getElementById("contact-form-error");
const done = document.getElementById("contact-done");

function pageStore() {
  const store = new URLSearchParams(window.location.search).get("store");
  return store && store.trim() ? store.trim() : undefined;
}

function showGeneral(message) {
  general.textContent = message || "";
  general.hidden = !message;
}

function setSending(sending) {
  form.setAttribute("aria-busy", String(sending));
  submit.disabled = sending;
  submit.textContent = sending ? TEXT.sending : TEXT.send;
}

function bodyFrom(values) {
  const body = { name: values.name, email: values.email, message: values.message };
  if (values.phone) body.phone = values.phone;
  const store = pageStore();
  if (store) body.store = store;
  if (values.marketingEmail) body.marketing = { email: true };
  return body;
}

function thank() {
  form.hidden = true;
  done.textContent = TEXT.thanks;
  done.hidden = false;
  done.focus();
}

function showAnswer(fields, answer) {
  if (answer.outcome === "sent") return thank();
  if (answer.outcome === "busy") return showGeneral(TEXT.tooMany);
  if (answer.outcome === "offline") return showGeneral(TEXT.offline);
  if (fields.showError(answer.field, answer.message || TEXT.refused)) return fields.focus(answer.field);
  return showGeneral(answer.message || TEXT.refused);
}

function wire() {
  const fields = contactFields(form);
  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    fields.clearErrors();
    showGeneral("");
    const missing = fields.missing();
    if (missing.length) {
      for (const { field, message } of missing) fields.showError(field, message);
      fields.focus(missing[0].field);
      return;
    }
    sending = true;
    setSending(true);
    const answer = await sendContact(bodyFrom(fields.values()));
    sending = false;
    setSending(false);
    showAnswer(fields, answer);
  });
}

if (form && submit && general && done) wire();
