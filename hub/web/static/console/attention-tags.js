/**
 * Tags in the conversation's header: chips with a remove button, and a box to add one with
 * suggestions from the store's recent tags. The whole set is sent (PUT); the hub answers
 * with it normalised and tells the store's other consoles (`conversation_updated`).
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { dom } from "./elements.js";
import { announce } from "./notices.js";
import { reportApiFailure } from "./session.js";
import { state } from "./state.js";

const MAX_TAGS = 10;
const MAX_LENGTH = 32;
const ui = { root: null, chips: null, input: null, list: null, error: null };
const suggestions = new Map(); // store code -> [tag]
// conversation id -> {tags, until}: what a save or a colleague's update just set. A timeline
// read that left before it may answer after it, with the older tags: those are ignored.
const settled = new Map();
const SETTLE_MS = 15000;
let shownFor = null;

/** Records tags the hub confirmed just now (our save, or `conversation_updated`). */
export function settleTags(conversationId, tags) {
  settled.set(conversationId, { tags, until: Date.now() + SETTLE_MS });
}

function normalise(raw) {
  return String(raw || "").normalize("NFC").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
}

function chip(tag) {
  const remove = el("button", {
    className: "tag-remove",
    text: "\u00d7",
    attrs: { type: "button", "aria-label": t("attention.tags.remove", { tag }), "data-testid": "tag-remove" },
  });
  remove.addEventListener("click", () => saveTags(currentTags().filter((other) => other !== tag)));
  return el("li", { className: "tag-chip", attrs: { "data-testid": "tag-chip", "data-tag": tag } }, [
    el("span", { className: "tag-text", text: tag }),
    remove,
  ]);
}

function currentTags() {
  const conversation = state.conversations.get(state.selectedId);
  return (conversation && Array.isArray(conversation.tags) && conversation.tags) || [];
}

/** Draws the selected conversation's tags (null: none shown). */
export function renderTags(conversation) {
  if (!ui.root) return;
  ui.root.hidden = !conversation || !conversation.id;
  if (ui.root.hidden) return;
  const pinned = settled.get(conversation.id);
  if (pinned && pinned.until > Date.now()) conversation.tags = pinned.tags;
  const tags = Array.isArray(conversation.tags) ? conversation.tags : [];
  ui.chips.replaceChildren(...tags.map(chip));
  ui.input.disabled = tags.length >= MAX_TAGS;
  if (shownFor !== conversation.id) {
    shownFor = conversation.id;
    showText(ui.error, "");
    ui.input.value = "";
    loadSuggestions(conversation.store);
  }
}

async function loadSuggestions(store) {
  if (!store || suggestions.has(store)) {
    fillSuggestions(store);
    return;
  }
  suggestions.set(store, []);
  try {
    const data = await api("GET", `/api/tags?store=${encodeURIComponent(store)}`);
    suggestions.set(store, ((data && data.tags) || []).map((item) => item.tag));
  } catch (_err) {
    suggestions.delete(store); // asked again next time; tagging works without suggestions
    return;
  }
  fillSuggestions(store);
}

function fillSuggestions(store) {
  const have = new Set(currentTags());
  const offered = (suggestions.get(store) || []).filter((tag) => !have.has(tag));
  ui.list.replaceChildren(...offered.map((tag) => el("option", { attrs: { value: tag } })));
}

async function saveTags(tags) {
  const id = state.selectedId;
  if (!id) return;
  showText(ui.error, "");
  let data;
  try {
    data = await api("PUT", `/api/conversations/${encodeURIComponent(id)}/tags`, { tags });
  } catch (err) {
    if (err.status === 400) showText(ui.error, err.message);
    else reportApiFailure(err);
    return;
  }
  const conversation = state.conversations.get(id);
  if (!conversation) return;
  conversation.tags = data.tags || [];
  settleTags(id, conversation.tags);
  const store = conversation.store;
  if (store) {
    const known = suggestions.get(store) || [];
    suggestions.set(store, [...conversation.tags.filter((tag) => !known.includes(tag)), ...known]);
  }
  if (state.selectedId === id) {
    renderTags(conversation);
    fillSuggestions(store);
    ui.input.focus();
  }
  announce(t("attention.tags.saved"));
}

function addTyped(event) {
  event.preventDefault();
  const tag = normalise(ui.input.value);
  if (!tag) return;
  if (tag.length > MAX_LENGTH) {
    showText(ui.error, t("attention.tags.tooLong", { count: MAX_LENGTH }));
    return;
  }
  const tags = currentTags();
  if (tags.includes(tag)) {
    ui.input.value = "";
    return;
  }
  if (tags.length >= MAX_TAGS) {
    showText(ui.error, t("attention.tags.tooMany", { count: MAX_TAGS }));
    return;
  }
  ui.input.value = "";
  saveTags([...tags, tag]);
}

/** The chips and the box, under the customer's name in the conversation's header. */
export function wireTags() {
  const listId = "attention-tag-suggestions";
  ui.chips = el("ul", { className: "tag-chips", attrs: { "aria-label": t("attention.tags.label") } });
  ui.list = el("datalist", { attrs: { id: listId } });
  ui.input = el("input", {
    className: "tag-input",
    attrs: {
      type: "text",
      maxlength: String(MAX_LENGTH + 8),
      autocomplete: "off",
      spellcheck: "false",
      list: listId,
      placeholder: t("attention.tags.placeholder"),
      "aria-label": t("attention.tags.add"),
      "data-testid": "tag-input",
    },
  });
  ui.error = el("p", { className: "form-error tag-error", attrs: { role: "alert" } });
  ui.error.hidden = true;
  const form = el("form", { className: "tag-form", attrs: { novalidate: "" } }, [ui.input, ui.list]);
  form.addEventListener("submit", addTyped);
  ui.root = el("div", { className: "conv-tags", attrs: { "data-testid": "conversation-tags" } }, [
    ui.chips,
    form,
    ui.error,
  ]);
  ui.root.hidden = true;
  dom.convSubject.after(ui.root);
}

export function resetTags() {
  suggestions.clear();
  settled.clear();
  shownFor = null;
  if (ui.root) {
    ui.root.hidden = true;
    ui.chips.replaceChildren();
  }
}
