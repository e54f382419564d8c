/**
 * A store's appointment types: what shoppers can book (name, virtual or in store, length,
 * buffers, notice, how far ahead, active). Each opens into its form; "New type" adds one.
 * Appointments already booked keep the buffers they were booked with.
 */
import { button, el } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { seg } from "./admin-data.js";
import { adminForm, checkbox, checkboxes, input, languageOptions, section, select, wordList } from "./admin-forms.js";
import { announce } from "./notices.js";

const NUMBERS = [
  ["duration_minutes", "admin.types.duration", 5, 480],
  ["buffer_before_minutes", "admin.types.bufferBefore", 0, 240],
  ["buffer_after_minutes", "admin.types.bufferAfter", 0, 240],
  ["min_notice_minutes", "admin.types.notice", 0, 43200],
  ["max_ahead_days", "admin.types.ahead", 1, 366],
];
// hub.stores.TypeSpec names some fields as the CLI's options do.
const ALIASES = { minutes: "duration_minutes", notice: "min_notice_minutes", ahead: "max_ahead_days", type: "code" };

/** A number field's value: a number, or the text as typed so the hub names what is wrong. */
function whole(text) {
  if (text === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function summary(type) {
  const kind = type.kind === "virtual" ? t("admin.types.virtual") : t("admin.types.inStore");
  const parts = [kind, t("admin.types.minutes", { minutes: formatNumber(type.duration_minutes) })];
  if (!type.active) parts.push(t("admin.types.inactive"));
  return parts.join(" · ");
}

export function appointmentTypesSection(store, initial) {
  const types = new Map(initial.map((type) => [type.code, type]));
  const list = el("ul", { className: "admin-list", attrs: { "data-testid": "admin-type-list" } });
  const add = button(t("admin.types.new"), "button button-quiet", "admin-type-new");
  const slot = el("div", { className: "admin-type-new" });

  function typeForm(type, onDone) {
    const testid = type ? "admin-type-form" : "admin-type-new-form";
    const form = adminForm({
      testid,
      submitLabel: t("admin.save"),
      aliases: ALIASES,
      onSubmit: async () => {
        const code = type ? type.code : form.value("code");
        // A PUT replaces the whole type: languages and skills go too, as shown.
        const body = {
          name: form.value("name"),
          kind: form.value("kind"),
          active: form.value("active"),
          languages: form.value("languages"),
          skills: wordList(form.value("skills")),
        };
        for (const [name] of NUMBERS) {
          const value = whole(form.value(name));
          if (value !== undefined) body[name] = value;
        }
        const answer = await api("PUT", `/api/admin/stores/${seg(store.code)}/appointment-types/${seg(code || "-")}`, body);
        types.set(answer.appointment_type.code, answer.appointment_type);
        announce(t("admin.types.saved", { name: answer.appointment_type.name }));
        onDone(answer.appointment_type.code);
      },
    });
    if (!type) {
      const code = input(`${testid}-code`, { maxlength: 32, spellcheck: "false" });
      form.add("code", t("admin.types.code"), code, { hint: t("admin.types.codeHint") });
    }
    form.add("name", t("admin.types.name"), input(`${testid}-name`, { maxlength: 200 }));
    form.add(
      "kind",
      t("admin.types.kind"),
      select(`${testid}-kind`, [
        { value: "in_store", label: t("admin.types.inStore") },
        { value: "virtual", label: t("admin.types.virtual") },
      ]),
    );
    for (const [name, key, min, max] of NUMBERS) {
      form.add(name, t(key), input(`${testid}-${name}`, { type: "number", min, max, step: 1, inputmode: "numeric" }));
    }
    form.add("languages", t("admin.types.languages"), checkboxes(`${testid}-languages`, languageOptions((type && type.languages) || [])), {
      hint: t("admin.types.languagesHint"),
      wide: true,
    });
    form.add("skills", t("admin.types.skills"), input(`${testid}-skills`, { maxlength: 400 }), { hint: t("admin.types.skillsHint") });
    form.add("active", t("admin.types.active"), checkbox(`${testid}-active`), { hint: t("admin.types.activeHint") });
    const cancel = button(t("common.cancel"), "button button-quiet", `${testid}-cancel`);
    cancel.addEventListener("click", () => onDone(type && type.code));
    form.actions.append(cancel);
    if (type) {
      for (const name of ["name", "kind", "active", "languages", ...NUMBERS.map(([n]) => n)]) form.set(name, type[name]);
      form.set("skills", (type.skills || []).join(", "));
    } else {
      form.set("kind", "in_store");
      form.set("duration_minutes", 60);
      form.set("active", true);
    }
    return form;
  }

  function render() {
    const sorted = [...types.values()].sort((a, b) => a.code.localeCompare(b.code));
    list.replaceChildren(...sorted.map(row));
  }

  function row(type) {
    const edit = button(t("admin.edit"), "button button-quiet button-small", "admin-type-edit");
    edit.setAttribute("aria-label", t("admin.types.editLabel", { name: type.name }));
    edit.setAttribute("aria-expanded", "false");
    const holder = el("div", { className: "admin-type-form" });
    const item = el("li", { className: "admin-row admin-row-stack", attrs: { "data-testid": "admin-type-row", "data-code": type.code } }, [
      el("div", { className: "admin-row-line" }, [
        el("span", { className: "admin-row-main-text", text: `${type.name} (${type.code})` }),
        el("span", { className: "admin-row-meta", text: summary(type) }),
        edit,
      ]),
      holder,
    ]);
    edit.addEventListener("click", () => {
      if (holder.firstChild) {
        holder.replaceChildren();
        edit.setAttribute("aria-expanded", "false");
        return;
      }
      const form = typeForm(type, () => {
        render();
        const again = list.querySelector(`[data-code="${CSS.escape(type.code)}"] [data-testid="admin-type-edit"]`);
        if (again) again.focus();
      });
      holder.replaceChildren(form.el);
      edit.setAttribute("aria-expanded", "true");
      form.field("name").focus();
    });
    return item;
  }

  add.addEventListener("click", () => {
    const form = typeForm(null, (code) => {
      slot.replaceChildren();
      add.hidden = false;
      render();
      if (!code) add.focus();
    });
    slot.replaceChildren(form.el);
    add.hidden = true;
    form.field("code").focus();
  });

  render();
  return section(t("admin.types.title"), [list, add, slot], "admin-types");
}
