/**
 * The building blocks of the Administration pages' forms: labelled controls, each with its
 * hint and the error the hub names it in (`error.field`), shown beside it; a form-wide error
 * line for the rest. Every text goes through textContent; the controls are native (keyboard
 * and screen readers for free).
 */
import { button, el, showText } from "../shared/dom.js";
import { SHOPPER_LANGUAGES, t } from "../shared/i18n.js";
import { browserZone } from "../shared/time.js";
import { languageName } from "./formats.js";
import { sessionEnded } from "./session.js";

export { hoursText, wordList } from "./admin-rules.js";

let lastId = 0;
const nextId = (prefix) => `${prefix}-${++lastId}`;

/** A text-like <input>: type text, email, number, date, datetime-local, password. */
export function input(testid, attrs = {}) {
  const node = el("input", { attrs: { type: "text", autocomplete: "off", ...attrs, "data-testid": testid } });
  return {
    node,
    focus: () => node.focus(),
    get: () => node.value.trim(),
    set: (value) => {
      node.value = value === null || value === undefined ? "" : String(value);
    },
  };
}

/** A <textarea>. */
export function textarea(testid, attrs = {}) {
  const node = el("textarea", { attrs: { rows: 2, ...attrs, "data-testid": testid } });
  return {
    node,
    focus: () => node.focus(),
    get: () => node.value.trim(),
    set: (value) => {
      node.value = value || "";
    },
  };
}

/** A <select> of [{value, label}]. */
export function select(testid, options) {
  const node = el("select", { attrs: { "data-testid": testid } });
  const fill = (list) =>
    node.replaceChildren(...list.map((o) => el("option", { text: o.label, attrs: { value: o.value } })));
  fill(options);
  return {
    node,
    fill,
    focus: () => node.focus(),
    get: () => node.value,
    set: (value) => {
      node.value = value === null || value === undefined ? "" : String(value);
    },
  };
}

/** One checkbox; get() is a boolean. */
export function checkbox(testid) {
  const node = el("input", { attrs: { type: "checkbox", "data-testid": testid } });
  return {
    node,
    checkbox: true,
    focus: () => node.focus(),
    get: () => node.checked,
    set: (value) => {
      node.checked = Boolean(value);
    },
  };
}

/**
 * Checkboxes, one per option ([{value, label}]); get() lists the ticked values. `fill`
 * replaces the options, keeping what was ticked. Each box: data-testid `${testid}-${value}`.
 */
export function checkboxes(testid, options = []) {
  const node = el("div", { className: "admin-checks", attrs: { "data-testid": testid } });
  const boxes = new Map();
  function fill(list) {
    const ticked = new Set(get());
    boxes.clear();
    node.replaceChildren(
      ...list.map((option) => {
        const box = el("input", {
          attrs: { type: "checkbox", value: option.value, "data-testid": `${testid}-${option.value}` },
        });
        box.checked = ticked.has(option.value);
        boxes.set(option.value, box);
        return el("label", { className: "admin-check" }, [box, el("span", { text: option.label })]);
      }),
    );
  }
  function get() {
    return [...boxes.entries()].filter(([, box]) => box.checked).map(([value]) => value);
  }
  fill(options);
  return {
    node,
    group: true,
    fill,
    get,
    focus: () => {
      const first = boxes.values().next().value;
      if (first) first.focus();
    },
    set: (values) => {
      const wanted = new Set(values || []);
      for (const [value, box] of boxes) box.checked = wanted.has(value);
    },
    disable: (values) => {
      const off = new Set(values || []);
      for (const [value, box] of boxes) box.disabled = off.has(value);
    },
  };
}

/** The shoppers' languages as checkbox options, each in the reader's language. */
export function languageOptions(extra = []) {
  const tags = [...SHOPPER_LANGUAGES, ...extra.filter((tag) => !SHOPPER_LANGUAGES.includes(tag))];
  return tags.map((tag) => ({ value: tag, label: `${languageName(tag)} (${tag})` }));
}

/** Every IANA time zone the browser knows, for a <select>. */
export function timeZoneOptions() {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch (_err) {
    zones = [browserZone()];
  }
  if (!zones.includes("UTC")) zones = [...zones, "UTC"];
  return zones.map((zone) => ({ value: zone, label: zone.replace(/_/g, " ") }));
}

/**
 * A form of labelled fields. add(name, label, control, {hint}) places a control with its
 * label (a legend for a group), hint and error line; showError(err) puts an API refusal
 * beside the field it names (`aliases` maps the hub's names to ours), else above the
 * buttons. onSubmit(values) returns a promise; the submit button is busy meanwhile.
 */
export function adminForm({ testid, submitLabel, onSubmit, aliases = {}, className = "" }) {
  const node = el("form", { className: `admin-form ${className}`.trim(), attrs: { novalidate: "", "data-testid": testid } });
  const body = el("div", { className: "admin-fields" });
  const error = el("p", { className: "form-error", attrs: { role: "alert", "data-testid": `${testid}-error` } });
  const submit = button(submitLabel, "button button-primary", `${testid}-submit`, "submit");
  const actions = el("div", { className: "admin-actions" }, [submit]);
  const fields = new Map();
  error.hidden = true;
  node.append(body, error, actions);

  function add(name, label, control, { hint, wide = false } = {}) {
    const id = nextId("admin-field");
    const errorLine = el("p", {
      className: "field-error",
      attrs: { id: `${id}-error`, role: "alert", "data-testid": `${testid}-${name}-error` },
    });
    errorLine.hidden = true;
    const hintLine = hint ? el("p", { className: "field-hint", text: hint, attrs: { id: `${id}-hint` } }) : null;
    const described = [hintLine && `${id}-hint`, `${id}-error`].filter(Boolean).join(" ");
    let wrapper;
    if (control.group) {
      control.node.setAttribute("aria-describedby", described);
      wrapper = el("fieldset", { className: "admin-field admin-group" }, [
        el("legend", { text: label }),
        control.node,
        hintLine,
        errorLine,
      ]);
    } else {
      control.node.id = id;
      control.node.setAttribute("aria-describedby", described);
      const labelNode = el("label", { text: label, attrs: { for: id } });
      const parts = control.checkbox ? [el("div", { className: "admin-inline" }, [control.node, labelNode])] : [labelNode, control.node];
      wrapper = el("div", { className: "admin-field" }, [...parts, hintLine, errorLine]);
    }
    if (wide) wrapper.classList.add("admin-field-wide");
    fields.set(name, { control, errorLine, wrapper });
    body.append(wrapper);
    return control;
  }

  function clear() {
    showText(error, "");
    for (const { control, errorLine } of fields.values()) {
      showText(errorLine, "");
      control.node.removeAttribute("aria-invalid");
    }
  }

  /** An ApiError (or any Error) from the hub, beside its field when it names one. */
  function showError(err) {
    if (err && err.status === 401) {
      sessionEnded();
      return;
    }
    const named = err && err.details && err.details.field;
    const target = fields.get(aliases[named] || named);
    const message = (err && err.message) || t("common.somethingWentWrong");
    if (target) {
      showText(target.errorLine, message);
      target.control.node.setAttribute("aria-invalid", "true");
      target.control.focus();
    } else {
      showText(error, message);
    }
  }

  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clear();
    submit.disabled = true;
    node.setAttribute("aria-busy", "true");
    try {
      await onSubmit();
    } catch (err) {
      showError(err);
    } finally {
      submit.disabled = false;
      node.removeAttribute("aria-busy");
    }
  });

  return {
    el: node,
    add,
    actions,
    submit,
    clear,
    showError,
    field: (name) => fields.get(name).control,
    value: (name) => fields.get(name).control.get(),
    set: (name, value) => fields.get(name).control.set(value),
    /** Moves fields already added into a titled group of their own (a fieldset). */
    group: (title, names, hint) => {
      const inner = el("div", { className: "admin-fields" });
      for (const name of names) inner.append(fields.get(name).wrapper);
      const set = el("fieldset", { className: "admin-field admin-field-wide admin-subgroup" }, [
        el("legend", { text: title }),
        hint ? el("p", { className: "field-hint", text: hint }) : null,
        inner,
      ]);
      body.append(set);
      return set;
    },
    /** Hides a field (and its label) when it does not apply. */
    toggle: (name, shown) => {
      fields.get(name).wrapper.hidden = !shown;
    },
    readOnly: (on) => {
      for (const { control } of fields.values()) {
        const node = control.node;
        const parts = node.matches("input,select,textarea") ? [node] : node.querySelectorAll("input,select,textarea");
        for (const part of parts) part.disabled = on;
      }
      actions.hidden = on;
    },
  };
}

/** A heading with an optional "back" button, for a page inside a tab. */
export function pageHeader(title, { back, backTestid, testid } = {}) {
  const heading = el("h3", { className: "admin-page-title", text: title, attrs: { tabindex: "-1", "data-testid": testid } });
  const parts = [];
  if (back) {
    const backButton = button(t("admin.back"), "button button-quiet admin-back", backTestid);
    backButton.prepend(el("span", { text: "←", attrs: { "aria-hidden": "true" } }));
    backButton.addEventListener("click", back);
    parts.push(backButton);
  }
  parts.push(heading);
  return { el: el("div", { className: "admin-page-header" }, parts), heading };
}

/** A section inside a page: a title and its content. */
export function section(title, children, testid) {
  return el("section", { className: "admin-section", attrs: { "data-testid": testid } }, [
    el("h4", { className: "admin-section-title", text: title }),
    ...children,
  ]);
}

/** A status line for a list (loading, empty, a failure). */
export function statusLine(testid) {
  const node = el("p", { className: "empty admin-status", attrs: { role: "status", "data-testid": testid } });
  node.hidden = true;
  return node;
}
