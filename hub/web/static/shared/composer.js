/** A message field and its form: the form's submit and Enter in the field both send. */

export function sendOnSubmitOrEnter(form, field, send) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  field.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter (and Enter while an IME is composing) inserts a newline.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
}
