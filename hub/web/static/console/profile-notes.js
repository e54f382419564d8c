/**
 * Notes about the customer, newest first, and adding one. A note is written over the socket
 * on the open conversation (`note {conversation_id, text}`), so a profile opened from the
 * search shows notes but takes none.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { formatStamp } from "./formats.js";
import { ackError, emptyLine, errorLine, profileSection } from "./profile-parts.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const MAX_NOTE = 4000;

function noteItem(note) {
  const mine = state.staff && note.staff_id === state.staff.id;
  return el("li", { className: "profile-note", attrs: { "data-testid": "profile-note", "data-note-id": note.id } }, [
    el("p", { className: "profile-note-text", text: note.text || "" }),
    el("p", {
      className: "profile-item-meta",
      text: `${mine ? t("notes.you") : note.author || t("notes.colleague")} \u00b7 ${formatStamp(note.created_at)}`,
    }),
  ]);
}

export function notesSection(ctx) {
  const section = profileSection(t("profile.notes"), { "data-testid": "profile-notes" });
  const list = el("ul", { className: "profile-list profile-notes" });
  const empty = emptyLine(t("notes.none"));
  const input = el("textarea", {
    attrs: {
      rows: "3",
      maxlength: String(MAX_NOTE),
      "aria-label": t("notes.inputLabel"),
      placeholder: t("notes.placeholder"),
      "data-testid": "profile-note-input",
    },
  });
  const add = button(t("notes.add"), "button button-outline", "profile-note-add", "submit");
  const error = errorLine("profile-note-error");
  const form = el("form", { className: "profile-note-form", attrs: { novalidate: "" } }, [input, error, add]);
  section.body.append(form, list, empty);
  let notes = [];

  function show(items) {
    notes = Array.isArray(items) ? items : [];
    list.replaceChildren(...notes.map(noteItem));
    empty.hidden = notes.length > 0;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const conversationId = ctx.conversationId;
    if (!text || !conversationId || add.disabled) return;
    showText(error, "");
    add.disabled = true;
    const customerId = ctx.customerId;
    const sent = emitNow("note", { conversation_id: conversationId, text }, (ack) => {
      add.disabled = false;
      if (customerId !== ctx.customerId) return;
      const problem = ackError(ack, "note", t("notes.failed"));
      if (problem) {
        showText(error, problem);
        return;
      }
      input.value = "";
      // Shown at once; the customer_updated that follows brings the hub's full list.
      if (!notes.some((note) => note.id === ack.note.id)) show([ack.note, ...notes]);
    });
    if (!sent) {
      add.disabled = false;
      showText(error, t("common.notConnected"));
    }
  });
  input.addEventListener("input", () => showText(error, ""));

  return {
    el: section.el,
    render(profile) {
      show(profile.notes);
      form.hidden = !ctx.editable || Boolean(profile.erased);
    },
    reset() {
      input.value = "";
      showText(error, "");
      show([]);
    },
  };
}
