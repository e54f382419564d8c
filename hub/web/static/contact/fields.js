/**
 * A demo-page form's fields, by the names the hub gives them in its errors ("email",
 * "marketing.email"): what was typed, and an error shown next to its field (and read with it,
 * through aria-describedby) until the shopper changes that field. contactFields() is the
 * "Write to us" form's; the callback form (callback-form.js) builds its own with formFields().
 */
import { t } from "../shared/i18n.js";

/** Field name -> the id of its control; each error line is "<id>-error". */
const CONTROLS = {
  name: "contact-name",
  email: "contact-email",
  phone: "contact-phone",
  message: "contact-message",
  "marketing.email": "contact-marketing-email",
};
/** The required fields, in the form's order, with what each says when left empty. */
const REQUIRED = {
  name: () => t("common.needName"),
  email: () => t("contact.needEmail"),
  message: () => t("contact.needMessage"),
};

/**
 * form: the <form>; controls: {field: control id}; aliases: {hub field: form field} for
 * errors the hub names differently ("preferred_time.end" is the time picker's).
 */
export function formFields(form, controls, aliases = {}) {
  const byField = new Map(
    Object.entries(controls).map(([field, id]) => [
      field,
      { input: form.querySelector(`#${id}`), error: form.querySelector(`#${id}-error`) },
    ]),
  );
  const own = (field) => (byField.has(field) ? field : aliases[field]);

  function setError(field, message) {
    const control = byField.get(own(field));
    if (!control) return false;
    control.error.textContent = message || "";
    control.error.hidden = !message;
    if (message) control.input.setAttribute("aria-invalid", "true");
    else control.input.removeAttribute("aria-invalid");
    return true;
  }

  for (const [field, { input }] of byField) {
    const event = input.type === "checkbox" || input.tagName === "SELECT" ? "change" : "input";
    input.addEventListener(event, () => setError(field, ""));
  }

  return {
    control: (field) => byField.get(own(field)) || null,
    /** Shows message by the field; false when the hub named a field the form does not have. */
    showError: setError,
    clearErrors() {
      for (const field of byField.keys()) setError(field, "");
    },
    focus(field) {
      const control = byField.get(own(field));
      if (control) control.input.focus();
    },
  };
}

export function contactFields(form) {
  const fields = formFields(form, CONTROLS);
  // Ticking "news by e-mail" is answered by the address: its error goes with the address's.
  fields.control("email").input.addEventListener("input", () => fields.showError("marketing.email", ""));

  const value = (field) => fields.control(field).input.value;

  return {
    ...fields,
    /** What the shopper typed: name and address trimmed, the message as written. */
    values() {
      return {
        name: value("name").trim(),
        email: value("email").trim(),
        phone: value("phone").trim(),
        message: value("message"),
        marketingEmail: fields.control("marketing.email").input.checked,
      };
    },
    /** The required fields left empty, in the form's order. */
    missing() {
      const values = this.values();
      return Object.entries(REQUIRED)
        .filter(([field]) => !values[field].trim())
        .map(([field, message]) => ({ field, message: message() }));
    },
  };
}
