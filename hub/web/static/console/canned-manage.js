/**
 * The "Canned replies" dialog: the replies the ambassador may use, and a form to write or
 * change one. Anyone writes personal replies; store replies are offered for the stores the
 * signed-in person manages (the hub decides: a refusal is shown like any other). The hub's
 * field errors (an unknown placeholder in the text, a shortcut in use) show under the field.
 */
import { button, el, showText } from "../shared/dom.js";
import { SHOPPER_LANGUAGES, language as consoleLanguage, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { cannedReplies, loadCannedReplies } from "./canned-data.js";
import { inlineConfirm } from "./inline-confirm.js";
import { announce } from "./notices.js";
import { isManager } from "./session.js";
import { state } from "./state.js";

const FIELDS = ["scope", "language", "title", "shortcut", "text"];
const ui = { dialog: null, list: null, status: null, form: null, fields: {}, errors: {}, general: null, heading: null, save: null, editing: null };

function languageName(tag) {
  try {
    return new Intl.DisplayNames([consoleLanguage()], { type: "language" }).of(tag) || tag;
  } catch (_err) {
    return tag;
  }
}

function field(name, label, control, hint) {
  const id = `canned-${name}`;
  control.id = id;
  control.setAttribute("data-testid", `canned-${name}`);
  const error = el("p", { className: "form-error", attrs: { id: `${id}-error`, role: "alert", "data-testid": `canned-${name}-error` } });
  error.hidden = true;
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  ui.fields[name] = control;
  ui.errors[name] = error;
  return el("div", { className: "field" }, [
    el("label", { text: label, attrs: { for: id } }),
    control,
    hint ? el("p", { className: "field-hint", text: hint, attrs: { id: `${id}-hint` } }) : null,
    error,
  ]);
}

function scopeOptions() {
  const options = [el("option", { text: t("canned.personal"), attrs: { value: "personal" } })];
  if (isManager() && state.staff) {
    for (const code of state.staff.stores || []) {
      options.push(el("option", { text: t("canned.forStore", { store: code }), attrs: { value: `store:${code}` } }));
    }
  }
  return options;
}

function buildForm() {
  const scope = el("select");
  const language = el("select", {}, SHOPPER_LANGUAGES.map((tag) => el("option", { text: languageName(tag), attrs: { value: tag } })));
  const title = el("input", { attrs: { type: "text", maxlength: "120", autocomplete: "off" } });
  const shortcut = el("input", { attrs: { type: "text", maxlength: "32", autocomplete: "off", spellcheck: "false" } });
  const text = el("textarea", { attrs: { rows: "5", maxlength: "4000" } });
  ui.heading = el("h3", { className: "canned-form-title" });
  ui.general = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": "canned-error" } });
  ui.general.hidden = true;
  ui.save = button(t("canned.save"), "button button-primary", "canned-save", "submit");
  const cancel = button(t("common.cancel"), "button button-quiet", "canned-cancel");
  cancel.addEventListener("click", () => startEditing(null));
  ui.form = el("form", { className: "canned-form", attrs: { novalidate: "" } }, [
    ui.heading,
    field("scope", t("canned.scope"), scope),
    field("language", t("canned.language"), language),
    field("title", t("canned.title"), title),
    field("shortcut", t("canned.shortcut"), shortcut, t("canned.shortcutHint")),
    field("text", t("canned.text"), text, t("canned.textHint")),
    ui.general,
    el("div", { className: "dialog-actions" }, [cancel, ui.save]),
  ]);
  ui.form.addEventListener("submit", onSubmit);
  for (const name of FIELDS) ui.fields[name].addEventListener("input", () => showText(ui.errors[name], ""));
}

function clearErrors() {
  for (const name of FIELDS) showText(ui.errors[name], "");
  showText(ui.general, "");
}

/** Fills the form for a new reply (null) or for changing `reply`. */
function startEditing(reply) {
  ui.editing = reply;
  clearErrors();
  ui.fields.scope.replaceChildren(...scopeOptions());
  ui.fields.scope.disabled = Boolean(reply); // a reply stays where it was written
  if (reply) {
    const value = reply.scope === "store" ? `store:${reply.store}` : "personal";
    if (![...ui.fields.scope.options].some((option) => option.value === value)) {
      ui.fields.scope.append(el("option", { text: t("canned.forStore", { store: reply.store }), attrs: { value } }));
    }
    ui.fields.scope.value = value;
  }
  const conversation = state.conversations.get(state.selectedId);
  ui.fields.language.value = reply ? reply.language : (conversation && conversation.language) || consoleLanguage();
  if (!ui.fields.language.value) ui.fields.language.value = "en";
  ui.fields.title.value = reply ? reply.title : "";
  ui.fields.shortcut.value = reply ? reply.shortcut || "" : "";
  ui.fields.text.value = reply ? reply.text : "";
  ui.heading.textContent = reply ? t("canned.editTitle", { title: reply.title }) : t("canned.newTitle");
}

function showFailure(err) {
  const name = err && err.details && err.details.field;
  const target = name === "store" ? "scope" : name;
  if (target && ui.errors[target]) {
    showText(ui.errors[target], err.message);
    ui.fields[target].focus();
  } else {
    showText(ui.general, (err && err.message) || t("canned.saveFailed"));
  }
}

async function onSubmit(event) {
  event.preventDefault();
  if (ui.save.disabled) return;
  clearErrors();
  const body = {
    language: ui.fields.language.value,
    title: ui.fields.title.value,
    shortcut: ui.fields.shortcut.value.trim() || null,
    text: ui.fields.text.value,
  };
  const editing = ui.editing;
  if (!editing) {
    const [scope, store] = ui.fields.scope.value.split(":");
    body.scope = scope;
    if (store) body.store = store;
  }
  ui.save.disabled = true;
  try {
    const path = editing ? `/api/canned-replies/${encodeURIComponent(editing.id)}` : "/api/canned-replies";
    const saved = await api(editing ? "PATCH" : "POST", path, body);
    announce(t("canned.saved", { title: saved.reply.title }));
    startEditing(null);
    await refresh();
  } catch (err) {
    showFailure(err);
  } finally {
    ui.save.disabled = false;
  }
}

function replyRow(reply) {
  const meta = [reply.shortcut ? `/${reply.shortcut}` : null, languageName(reply.language), reply.scope === "store" ? reply.store : t("canned.personal")];
  const row = el("li", { className: "canned-row", attrs: { "data-testid": "canned-row" } }, [
    el("div", { className: "canned-row-head" }, [
      el("span", { className: "canned-row-title", text: reply.title }),
      el("span", { className: "canned-row-meta", text: meta.filter(Boolean).join(" \u00b7 ") }),
    ]),
    el("p", { className: "canned-row-text", text: reply.text }),
  ]);
  if (!reply.editable) return row;
  const edit = button(t("canned.edit"), "button button-quiet", "canned-edit");
  edit.setAttribute("aria-label", t("canned.editNamed", { title: reply.title }));
  edit.addEventListener("click", () => {
    startEditing(reply);
    ui.fields.title.focus();
  });
  const confirm = inlineConfirm({
    message: t("canned.deleteConfirm", { title: reply.title }),
    confirmLabel: t("canned.delete"),
    testid: "canned-delete",
    onConfirm: async () => {
      await api("DELETE", `/api/canned-replies/${encodeURIComponent(reply.id)}`);
      announce(t("canned.deleted", { title: reply.title }));
      if (ui.editing && ui.editing.id === reply.id) startEditing(null);
      await refresh();
    },
  });
  const remove = button(t("canned.delete"), "button button-quiet", "canned-delete");
  remove.setAttribute("aria-label", t("canned.deleteNamed", { title: reply.title }));
  remove.addEventListener("click", () => confirm.open());
  row.append(el("div", { className: "canned-row-actions" }, [edit, remove]), confirm.el);
  return row;
}

function renderList(replies) {
  ui.list.replaceChildren(...replies.map(replyRow));
  showText(ui.status, replies.length ? "" : t("canned.none"));
}

async function refresh() {
  showText(ui.status, t("canned.loading"));
  try {
    renderList(await loadCannedReplies(true));
  } catch (err) {
    showText(ui.status, (err && err.message) || t("canned.loadFailed"));
  }
}

/** Once: the dialog, appended to the page (hidden until opened). */
export function wireCannedDialog() {
  buildForm();
  ui.list = el("ul", { className: "canned-list", attrs: { "data-testid": "canned-list", "aria-labelledby": "canned-dialog-title" } });
  ui.status = el("p", { className: "empty", attrs: { role: "status" } });
  const close = button(t("common.close"), "button button-quiet", "canned-close");
  close.addEventListener("click", () => closeCannedDialog());
  ui.dialog = el(
    "dialog",
    { className: "dialog dialog-wide canned-dialog", attrs: { "aria-labelledby": "canned-dialog-title", "data-testid": "canned-dialog" } },
    [
      el("div", { className: "dialog-form" }, [
        el("div", { className: "canned-dialog-head" }, [
          el("h2", { className: "dialog-title", text: t("canned.dialogTitle"), attrs: { id: "canned-dialog-title" } }),
          close,
        ]),
        el("p", { className: "dialog-intro", text: t("canned.intro") }),
        ui.form,
        ui.status,
        ui.list,
      ]),
    ],
  );
  document.body.append(ui.dialog);
}

export function openCannedDialog() {
  if (!ui.dialog || ui.dialog.open) return;
  startEditing(null);
  renderList(cannedReplies());
  ui.dialog.showModal();
  ui.fields.title.focus();
  refresh();
}

export function closeCannedDialog() {
  if (ui.dialog && ui.dialog.open) ui.dialog.close();
}
