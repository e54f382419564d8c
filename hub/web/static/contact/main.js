/*
 * The demo shop's "Write to us" form (chat.html): name, e-mail, an optional phone, the
 * message and news by e-mail if ticked, sent to the hub, which opens an e-mail conversation
 * in the boutique's queue and mails the shopper a receipt. The boutique is the page's
 * ?store=, as for the chat widget. What was typed stays in place until the hub has it.
 * Its words come from the page's catalogue (shop-page.js settles the language).
 */
import { language, t } from "../shared/i18n.js";
import { contactFields } from "./fields.js";
import { sendContact } from "./send.js";
import { pageStore, shopLanguage } from "./shop-page.js";

const form = document.getElementById("contact-form");
const submit = document.getElementById("contact-submit");
const general = document.getElementById("contact-form-error");
const done = document.getElementById("contact-done");

function showGeneral(message) {
  general.textContent = message || "";
  general.hidden = !message;
}

function setSending(sending) {
  form.setAttribute("aria-busy", String(sending));
  submit.disabled = sending;
  submit.textContent = sending ? t("common.sending") : t("contact.send");
}

function bodyFrom(values) {
  const body = { name: values.name, email: values.email, message: values.message };
  if (values.phone) body.phone = values.phone;
  const store = pageStore();
  if (store) body.store = store;
  if (values.marketingEmail) body.marketing = { email: true };
  body.language = language();
  return body;
}

function thank() {
  form.hidden = true;
  done.textContent = t("contact.thanks");
  done.hidden = false;
  done.focus();
}

function showAnswer(fields, answer) {
  if (answer.outcome === "sent") return thank();
  if (answer.outcome === "busy") return showGeneral(t("contact.tooMany"));
  if (answer.outcome === "offline") return showGeneral(t("contact.offline"));
  const message = answer.message || t("contact.refused");
  if (fields.showError(answer.field, message)) return fields.focus(answer.field);
  return showGeneral(message);
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

if (form && submit && general && done) shopLanguage().then(wire);
