/**
 * Searching conversations from the sidebar: a name, an e-mail or phone number, or words
 * of the messages, through every conversation of the caller's boutiques, closed ones too
 * ("#vip" looks for a tag). Results say where the text matched; one opens that
 * conversation's timeline. While a search is shown, the usual list steps aside.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { outcomeLabel } from "./attention-close.js";
import { unreadBadge } from "./attention-reads.js";
import { api } from "./api.js";
import { channelLabel } from "./channels.js";
import { selectConversation } from "./conversation-pane.js";
import { upsertConversation } from "./conversations.js";
import { customerName } from "./customer.js";
import { dom } from "./elements.js";
import { reportApiFailure } from "./session.js";

const DEBOUNCE_MS = 250;
const MIN_CHARS = 2;
const PAGE = 30;
const search = { timer: null, ticket: 0, query: "", next: null, results: [] };
const ui = { input: null, status: null, list: null, more: null, clear: null };

function queryString(query, before) {
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (query.startsWith("#")) params.set("tag", query.slice(1).trim());
  else params.set("q", query);
  if (before) params.set("before", before);
  return params.toString();
}

function resultItem(conversation) {
  const snippet = conversation.snippet || {};
  const closed = conversation.status === "closed";
  const outcome = closed ? outcomeLabel(conversation.outcome) : "";
  const item = el(
    "button",
    {
      className: "conv-item search-result conversation-result",
      attrs: {
        type: "button",
        "data-testid": "conversation-search-result",
        "data-conversation-id": conversation.id,
        "data-status": conversation.status,
      },
    },
    [
      el("span", { className: "conv-item-top" }, [
        el("span", { className: "conv-item-name", text: customerName(conversation.customer) }),
        el("span", { className: "conv-item-channel", text: channelLabel(conversation.channel) }),
      ]),
      snippet.text ? el("span", { className: "search-snippet", text: snippet.text }) : null,
      closed
        ? el("span", { className: "conv-item-closed", text: [t("conversations.closed"), outcome].filter(Boolean).join(" \u00b7 ") })
        : null,
      unreadBadge(conversation),
    ],
  );
  item.addEventListener("click", () => {
    upsertConversation(conversation);
    selectConversation(conversation.id);
  });
  return el("li", {}, [item]);
}

function render() {
  const searching = Boolean(search.query);
  ui.list.hidden = !searching;
  dom.conversationList.hidden = searching;
  dom.conversationsEmpty.classList.toggle("attention-searching", searching);
  ui.clear.hidden = !searching;
  ui.list.replaceChildren(...search.results.map(resultItem));
  ui.more.hidden = !search.next;
}

async function runSearch(query, before = null) {
  const ticket = ++search.ticket;
  showText(ui.status, t("attention.search.searching"));
  let data;
  try {
    data = await api("GET", `/api/conversations?${queryString(query, before)}`);
  } catch (err) {
    if (ticket !== search.ticket) return;
    if (err.status === 400) showText(ui.status, err.message);
    else {
      showText(ui.status, "");
      reportApiFailure(err);
    }
    return;
  }
  if (ticket !== search.ticket) return;
  const found = (data && data.conversations) || [];
  search.results = before ? [...search.results, ...found] : found;
  search.next = (data && data.next_before) || null;
  const count = search.results.length;
  showText(ui.status, count ? t("attention.search.count", { count }) : t("attention.search.none"));
  render();
}

function onInput() {
  const query = ui.input.value.trim();
  if (query === search.query) return;
  clearTimeout(search.timer);
  search.ticket += 1; // an answer for the previous text is no longer wanted
  search.query = query;
  search.results = [];
  search.next = null;
  render();
  if (!query) {
    showText(ui.status, "");
    return;
  }
  if (query.replace(/^#/, "").length < MIN_CHARS) {
    showText(ui.status, t("attention.search.tooShort", { count: MIN_CHARS }));
    return;
  }
  search.timer = setTimeout(() => runSearch(query), DEBOUNCE_MS);
}

function clearSearch() {
  ui.input.value = "";
  onInput();
  ui.input.focus();
}

/** The box above "My conversations", and the results in the list's place. */
export function wireConversationSearch() {
  const inputId = "conversation-search";
  const statusId = "conversation-search-status";
  ui.input = el("input", {
    attrs: {
      id: inputId,
      type: "search",
      autocomplete: "off",
      spellcheck: "false",
      maxlength: "200",
      placeholder: t("attention.search.placeholder"),
      "aria-describedby": statusId,
      "data-testid": "conversation-search",
    },
  });
  ui.clear = button(t("attention.search.clear"), "button button-quiet search-clear", "conversation-search-clear");
  ui.clear.hidden = true;
  ui.clear.addEventListener("click", clearSearch);
  const form = el("form", { className: "search-form conversation-search", attrs: { role: "search", novalidate: "" } }, [
    el("label", { className: "sr-only", text: t("attention.search.label"), attrs: { for: inputId } }),
    ui.input,
    ui.clear,
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = ui.input.value.trim();
    if (query.replace(/^#/, "").length < MIN_CHARS) return;
    clearTimeout(search.timer);
    search.query = query;
    runSearch(query);
  });
  ui.input.addEventListener("input", onInput);
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && ui.input.value) {
      event.preventDefault();
      clearSearch();
    }
  });
  ui.status = el("p", { className: "empty search-status", attrs: { id: statusId, role: "status" } });
  ui.status.hidden = true;
  ui.list = el("ul", {
    className: "search-results conversation-results",
    attrs: { "aria-label": t("attention.search.results"), "data-testid": "conversation-search-results" },
  });
  ui.list.hidden = true;
  ui.more = button(t("attention.search.more"), "button button-quiet search-more", "conversation-search-more");
  ui.more.hidden = true;
  ui.more.addEventListener("click", () => {
    if (search.next) runSearch(search.query, search.next);
  });
  const title = document.getElementById("conversations-title");
  title.after(form, ui.status, ui.list, ui.more);
}

export function resetConversationSearch() {
  if (!ui.input) return;
  clearTimeout(search.timer);
  search.ticket += 1;
  search.query = "";
  search.results = [];
  search.next = null;
  ui.input.value = "";
  showText(ui.status, "");
  render();
}
