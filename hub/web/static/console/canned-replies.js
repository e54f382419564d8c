/**
 * Canned replies in the reply box: typing "/" at the start of the box or after a space opens
 * a list of the replies that match what follows the "/" (title, shortcut or text), the
 * conversation's language first. ↑/↓ move, Enter or Tab pick, Escape closes, a click picks.
 * Picking asks the hub to fill the reply in for the open conversation
 * (POST /api/canned-replies/{id}/render) and puts the text where "/words" was, as plain
 * text, the caret after it; placeholders the hub had no value for are announced.
 *
 * The box keeps its own role; it carries the combobox's state (aria-expanded, aria-controls,
 * aria-activedescendant) and the list is a listbox of options (WAI-ARIA combobox pattern).
 * "Canned replies" in the composer's tools opens the dialog to manage them (canned-manage.js).
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { forgetCannedReplies, loadCannedReplies, matchingReplies, cannedReplies } from "./canned-data.js";
import { closeCannedDialog, openCannedDialog, wireCannedDialog } from "./canned-manage.js";
import { dom } from "./elements.js";
import { announce, toast } from "./notices.js";
import { state } from "./state.js";

const MENU_ID = "canned-menu";
// "/" at the start or after whitespace, then up to 40 characters of one line before the caret.
const TRIGGER = /(^|\s)\/([^\n/]{0,40})$/;

const menu = {
  list: null,
  open: false,
  items: [],
  active: 0,
  start: 0, // where the "/" is in the box
  picking: 0, // the render request in flight (a newer pick or a close wins)
};

/** Readable names of the placeholders the hub may report as empty. */
const FIELD_NAMES = {
  "customer.first_name": () => t("canned.field.customerFirstName"),
  "customer.name": () => t("canned.field.customerName"),
  "store.name": () => t("canned.field.storeName"),
  "ambassador.name": () => t("canned.field.ambassadorName"),
  "ambassador.first_name": () => t("canned.field.ambassadorFirstName"),
};

function conversationLanguage() {
  const conversation = state.conversations.get(state.selectedId);
  return (conversation && conversation.language) || null;
}

function scopeLabel(reply) {
  return reply.scope === "store" ? reply.store : t("canned.personal");
}

function optionNode(reply, index) {
  const meta = [reply.shortcut ? `/${reply.shortcut}` : null, reply.language, scopeLabel(reply)].filter(Boolean);
  const node = el(
    "li",
    {
      className: "canned-option",
      attrs: { id: `${MENU_ID}-${index}`, role: "option", "aria-selected": "false", "data-testid": "canned-option" },
    },
    [
      el("span", { className: "canned-option-title", text: reply.title }),
      el("span", { className: "canned-option-meta", text: meta.join(" \u00b7 ") }),
      el("span", { className: "canned-option-text", text: reply.text.slice(0, 120) }),
    ],
  );
  // Keep the caret in the box: the list is only pointed at, never focused.
  node.addEventListener("mousedown", (event) => event.preventDefault());
  node.addEventListener("click", () => pick(index));
  return node;
}

function setExpanded(open) {
  menu.open = open;
  menu.list.hidden = !open;
  dom.replyInput.setAttribute("aria-expanded", open ? "true" : "false");
  if (!open) dom.replyInput.removeAttribute("aria-activedescendant");
}

export function closeCannedMenu() {
  if (!menu.list) return;
  menu.items = [];
  menu.list.replaceChildren();
  setExpanded(false);
}

function highlight(index) {
  menu.active = index;
  menu.list.querySelectorAll("[role=option]").forEach((node, i) => {
    node.setAttribute("aria-selected", i === index ? "true" : "false");
    if (i === index) node.scrollIntoView({ block: "nearest" });
  });
  if (menu.items.length) dom.replyInput.setAttribute("aria-activedescendant", `${MENU_ID}-${index}`);
  else dom.replyInput.removeAttribute("aria-activedescendant");
}

function showMatches(query) {
  const matches = matchingReplies(cannedReplies(), query, conversationLanguage());
  if (!matches.length && /\s/.test(query)) {
    closeCannedMenu(); // words after a "/" that match nothing: just text
    return;
  }
  menu.items = matches;
  menu.list.replaceChildren(
    ...(matches.length
      ? matches.map(optionNode)
      : [el("li", { className: "canned-empty", text: t("canned.noMatch"), attrs: { role: "presentation" } })]),
  );
  setExpanded(true);
  highlight(0);
}

/** After each keystroke in the box: is the caret right after "/words"? */
function onInput() {
  const input = dom.replyInput;
  if (!state.selectedId || input.disabled || input.selectionStart !== input.selectionEnd) {
    closeCannedMenu();
    return;
  }
  const before = input.value.slice(0, input.selectionStart);
  const found = TRIGGER.exec(before);
  if (!found) {
    closeCannedMenu();
    return;
  }
  const query = found[2];
  menu.start = before.length - query.length - 1;
  showMatches(query);
  const known = cannedReplies();
  loadCannedReplies().then(
    (replies) => {
      if (replies === known || !menu.open) return;
      // Fetched (or refreshed) meanwhile: show what is known now, if still asked for.
      const still = TRIGGER.exec(input.value.slice(0, input.selectionStart));
      if (still) showMatches(still[2]);
    },
    () => {}, // the list stays as it was; the next keystroke tries again
  );
}

/** Keys while the list is open; captured on the form, before the box's Enter-sends. */
function onKeydown(event) {
  if (!menu.open || event.target !== dom.replyInput || event.isComposing) return;
  const count = menu.items.length;
  let handled = true;
  if (event.key === "ArrowDown" && count) highlight((menu.active + 1) % count);
  else if (event.key === "ArrowUp" && count) highlight((menu.active - 1 + count) % count);
  else if ((event.key === "Enter" || event.key === "Tab") && count && !event.shiftKey) pick(menu.active);
  else if (event.key === "Escape") closeCannedMenu();
  else handled = false;
  if (handled) {
    event.preventDefault();
    event.stopPropagation();
  }
}

function missingNotice(missing) {
  const names = missing.map((name) => (FIELD_NAMES[name] ? FIELD_NAMES[name]() : name));
  return t("canned.missing", { fields: names.join(", ") });
}

async function pick(index) {
  const reply = menu.items[index];
  const conversationId = state.selectedId;
  if (!reply || !conversationId) return;
  const input = dom.replyInput;
  const start = menu.start;
  const end = input.selectionStart;
  const typed = input.value.slice(start, end);
  closeCannedMenu();
  const ticket = ++menu.picking;
  let rendered;
  try {
    rendered = await api("POST", `/api/canned-replies/${encodeURIComponent(reply.id)}/render`, {
      conversation_id: conversationId,
    });
  } catch (err) {
    if (ticket === menu.picking) toast((err && err.message) || t("canned.renderFailed"));
    return;
  }
  // Only if nothing moved meanwhile: same conversation, "/words" still where it was.
  if (ticket !== menu.picking || state.selectedId !== conversationId || input.value.slice(start, end) !== typed) return;
  input.focus();
  input.setRangeText(rendered.text, start, end, "end");
  input.dispatchEvent(new Event("input", { bubbles: true })); // typing state, draft
  const missing = Array.isArray(rendered.missing) ? rendered.missing : [];
  if (missing.length) {
    const notice = missingNotice(missing);
    toast(notice);
    announce(notice);
  } else {
    announce(t("canned.inserted", { title: reply.title }));
  }
}

/** Once, when the page loads: listeners on the page's own elements. */
export function wireCannedReplies() {
  const input = dom.replyInput;
  menu.list = el("ul", {
    className: "canned-menu",
    attrs: { id: MENU_ID, role: "listbox", "aria-label": t("canned.menuLabel"), "data-testid": "canned-menu" },
  });
  menu.list.hidden = true;
  dom.replyForm.prepend(menu.list);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-haspopup", "listbox");
  input.setAttribute("aria-controls", MENU_ID);
  input.setAttribute("aria-expanded", "false");
  input.addEventListener("input", onInput);
  input.addEventListener("click", onInput);
  input.addEventListener("blur", () => closeCannedMenu());
  dom.replyForm.addEventListener("keydown", onKeydown, true);
  const tools = document.getElementById("composer-tools");
  const open = button(t("canned.open"), "button button-quiet composer-tool", "canned-manage-open");
  open.setAttribute("aria-haspopup", "dialog");
  open.addEventListener("click", () => openCannedDialog());
  tools.append(open);
  wireCannedDialog();
}

/** After sign-in (state.staff is known). */
export function setupCannedReplies() {
  loadCannedReplies(true).catch(() => {}); // the menu fetches again when it opens
}

/** On sign-out: forget everything of the last session. */
export function resetCannedReplies() {
  closeCannedMenu();
  closeCannedDialog();
  forgetCannedReplies();
}
