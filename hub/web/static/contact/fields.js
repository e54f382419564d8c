/**
 * The contact form's fields, by the names the hub gives them in its errors ("email",
 * "marketing.email"): what was typed, and an error shown next to its field (and read with it,
 * through aria-describedby) until the shopper changes that field.
 */
import { TEXT } from "./text.js";

/** Field name -> the id of its control; each error line is "<id>-error". */
const CONTROLS = {
  name: "contact-name",
  email: "contact-email",
  phone: "contact-phone",
  message: "contact-message",
  "marketing.email": "contact-marketing-email",
};
const REQUIRED = ["name", "email", "message"];

export function contactFields(form) {
  const controls = new Map(
    Object.entries(CONTROLS).map(([field, id]) => [
      field,
      { input: form.querySelector(`#${id}`), error: form.querySelector(`#${id}-error`) },
    ]),
  );

  function setError(field, message) {
    const control = controls.get(field);
    if (!control) return false;
    control.error.textContent = message || "";
    control.error.hidden = !message;
    if (message) control.input.setAttribute("aria-invalid", "true");
    else control.input.removeAttribute("aria-invalid");
    return true;
  }

  for (const [field, { input }] of controls) {
    input.addEventListener(input.type === "checkbox" ? "change" : "input", () => setError(field, ""));
  }
  // Ticking "news by e-mail" is answered by the address: its error goes with the address's.
  controls.get("email").input.addEventListener("input", () => setError("marketing.email", ""));

  const value = (field) => controls.get(field).input.value;

  return {
    /** What the shopper typed: name and address trimmed, the message as written. */
    values() {
      return {
        name: value("name").trim(),
        email: value("email").trim(),
        phone: value("phone").trim(),
        message: value("message"),
        marketingEmail: controls.get("marketing.email").input.checked,
      };
    },
    /** Shows message by the field; false when the hub named a field the form does not have. */
    showError: setError,
    clearErrors() {
      for (const field of controls.keys()) setError(field, "");
    },
    /** The required fields left empty, in the form's order. */
    missing() {
      const values = this.values();
      return REQUIRED.filter((field) => !values[field].trim()).map((field) => ({ field, message: TEXT.missing[field] }));
    },
    focus(field) {
      const control = controls.get(field);
      if (control) control.input.focus();
    },
  };
}
