/*
 * Concierge web-chat widget.
 *
 * Embed on any shop page with one tag:
 *   <script src="https://HUB/widget.js" data-store="PARIS01" data-language="fr" async></script>
 *
 * Everything lives under one root element, #concierge-widget, and every CSS class is
 * prefixed with "cw-" so the shop's own styles do not leak in (or out).
 *
 * Delivery model: each outgoing message gets a client_id and sits in a localStorage outbox
 * until the hub acknowledges it. The hub stores a client_id once, so re-sending after a
 * reconnect or a page reload is safe and nothing typed is ever lost.
 *
 * Security: all text from the network or the user is rendered with textContent only, and the
 * visitor token only travels in the socket.io auth payload or in storage - never in a URL or
 * in the browser console.
 */
(() => {
  "use strict";

  // A page that includes the tag twice (or a SPA that re-injects it) gets one widget.
  if (window.__conciergeWidgetLoaded) return;
  window.__conciergeWidgetLoaded = true;

  const TOKEN_KEY = "concierge.visitor_token";
  const OUTBOX_KEY = "concierge.outbox";
  const TYPING_IDLE_MS = 2000; // stop "typing" after this much quiet
  const TYPING_THROTTLE_MS = 3000; // re-affirm "typing" at most this often
  const REMOTE_TYPING_TIMEOUT_MS = 8000; // hide a stale indicator if "typing false" got lost
  const MAX_RETRY_MS = 30000;

  // document.currentScript is only set while this file first runs, so read it now.
  const ownScript = findOwnScript();
  const BASE = hubBase(ownScript);
  const STORE = readStore(ownScript);
  const LANGUAGE = readLanguage(ownScript);

  // ---------------------------------------------------------------------------------------
  // Configuration helpers
  // ---------------------------------------------------------------------------------------

  function findOwnScript() {
    if (document.currentScript && document.currentScript.src) return document.currentScript;
    const scripts = Array.from(document.getElementsByTagName("script")).reverse();
    return scripts.find((s) => /\/widget\.js(?:[?#].*)?$/.test(s.src)) || null;
  }

  /** The hub's base URL (origin plus any path prefix), derived from where widget.js came from. */
  function hubBase(script) {
    if (!script) return window.location.origin;
    const url = new URL(script.src, window.location.href);
    const prefix = url.pathname.replace(/\/(?:static\/)?widget\.js$/, "");
    return url.origin + prefix;
  }

  function readStore(script) {
    const fromTag = script && script.dataset.store;
    if (fromTag) return fromTag.trim();
    const fromPage = new URLSearchParams(window.location.search).get("store");
    return fromPage ? fromPage.trim() : undefined;
  }

  function readLanguage(script) {
    const raw = (script && script.dataset.language) || navigator.language || "en";
    // The hub expects BCP 47 with a lower-case primary subtag ("fr", "en-GB").
    const [primary, ...rest] = raw.trim().split(/[-_]/);
    return [primary.toLowerCase(), ...rest].join("-");
  }

  // ---------------------------------------------------------------------------------------
  // Storage (localStorage can throw in private modes or sandboxed iframes: fall back to memory)
  // ---------------------------------------------------------------------------------------

  const memoryStore = new Map();

  function storageGet(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (_err) {
      return memoryStore.has(key) ? memoryStore.get(key) : null;
    }
  }

  function storageSet(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (_err) {
      memoryStore.set(key, value);
    }
  }

  function storageRemove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch (_err) {
      memoryStore.delete(key);
    }
  }

  const getToken = () => storageGet(TOKEN_KEY);
  const setToken = (token) => storageSet(TOKEN_KEY, token);
  const dropToken = () => storageRemove(TOKEN_KEY);

  /** The outbox: messages typed but not yet acknowledged, oldest first. */
  function readOutbox() {
    try {
      const items = JSON.parse(storageGet(OUTBOX_KEY) || "[]");
      return Array.isArray(items) ? items.filter((i) => i && i.client_id && typeof i.text === "string") : [];
    } catch (_err) {
      return [];
    }
  }

  function writeOutbox(items) {
    if (items.length) storageSet(OUTBOX_KEY, JSON.stringify(items));
    else storageRemove(OUTBOX_KEY);
  }

  function addToOutbox(item) {
    const items = readOutbox().filter((i) => i.client_id !== item.client_id);
    items.push(item);
    writeOutbox(items);
  }

  function removeFromOutbox(clientId) {
    writeOutbox(readOutbox().filter((i) => i.client_id !== clientId));
  }

  /** crypto.randomUUID only exists in secure contexts; getRandomValues works everywhere. */
  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---------------------------------------------------------------------------------------
  // Small DOM helpers
  // ---------------------------------------------------------------------------------------

  /** createElement with classes, attributes and text; text always goes through textContent. */
  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined) node.textContent = options.text;
    for (const [name, value] of Object.entries(options.attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, String(value));
    }
    for (const child of children) if (child) node.appendChild(child);
    return node;
  }

  function formatTime(iso) {
    const date = iso ? new Date(iso) : null;
    if (!date || Number.isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  /**
   * Keeps a container's children sorted by a key without rebuilding it, so that the
   * aria-live log only announces genuinely new nodes.
   */
  function orderedList(container, compare) {
    const entries = [];
    return {
      place(entry) {
        const at = entries.indexOf(entry);
        if (at >= 0) entries.splice(at, 1);
        let index = entries.findIndex((other) => compare(entry.key, other.key) < 0);
        if (index < 0) index = entries.length;
        entries.splice(index, 0, entry);
        const ref = index + 1 < entries.length ? entries[index + 1].el : null;
        if (entry.el.parentNode !== container || entry.el.nextSibling !== ref) {
          container.insertBefore(entry.el, ref);
        }
      },
      remove(entry) {
        const at = entries.indexOf(entry);
        if (at >= 0) entries.splice(at, 1);
        entry.el.remove();
      },
      clear() {
        entries.splice(0).forEach((entry) => entry.el.remove());
      },
    };
  }

  /** Keys are arrays compared element by element: [0, conversationIndex, seq] or [1, createdMs]. */
  function compareKeys(a, b) {
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      const d = (a[i] || 0) - (b[i] || 0);
      if (d !== 0) return d;
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  const state = {
    open: false,
    socket: null,
    connecting: null, // promise while socket.io is loading / the token is being created
    conn: "idle", // idle | connecting | connected | reconnecting | failed
    authRetried: false, // "unauthorized" gets exactly one fresh token
    retryMs: 1000,
    status: { kind: "idle" }, // idle | queue | assigned | closed
    unread: 0,
    // Ordering: seq is per conversation, so a new conversation after "closed" gets a new index.
    conversationOrder: new Map(),
    currentConversation: null,
    lastSeq: 0,
    byId: new Map(), // message id -> entry
    byClientId: new Map(), // client_id -> entry (sending or failed)
    typing: { active: false, lastEmit: 0, idleTimer: null },
    remoteTypingTimer: null,
  };

  let ui = null; // filled by buildUi()
  let list = null; // orderedList over ui.messages

  // ---------------------------------------------------------------------------------------
  // UI construction
  // ---------------------------------------------------------------------------------------

  function buildUi() {
    const root = el("div", { className: "cw-root", attrs: { id: "concierge-widget" } });
    // Stay invisible until widget.css arrives, so the shop never sees unstyled controls.
    root.hidden = true;

    const badge = el("span", { className: "cw-badge", attrs: { "aria-hidden": "true" } });
    badge.hidden = true;
    const unreadText = el("span", { className: "cw-sr-only" });
    const launcher = el(
      "button",
      {
        className: "cw-launcher",
        attrs: {
          type: "button",
          "data-testid": "chat-open",
          "aria-expanded": "false",
          "aria-controls": "cw-panel",
        },
      },
      [
        el("span", { className: "cw-launcher-icon", attrs: { "aria-hidden": "true" } }),
        el("span", { className: "cw-launcher-label", text: "Chat with us" }),
        unreadText,
        badge,
      ],
    );

    const title = el("h2", {
      className: "cw-title",
      text: "Chat with a boutique ambassador",
      attrs: { id: "cw-title" },
    });
    const closeButton = el("button", {
      className: "cw-close",
      text: "\u00d7",
      attrs: { type: "button", "aria-label": "Close chat" },
    });
    const status = el("p", {
      className: "cw-status",
      attrs: { "data-testid": "chat-status", role: "status", "aria-live": "polite" },
    });
    const eta = el("p", { className: "cw-eta" });
    eta.hidden = true;
    const messages = el("ol", {
      className: "cw-messages",
      attrs: { role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" },
    });
    const typing = el("p", {
      className: "cw-typing",
      attrs: { "data-testid": "chat-typing", "aria-live": "polite" },
    });
    typing.hidden = true;

    const input = el("textarea", {
      className: "cw-input",
      attrs: {
        id: "cw-input",
        rows: "1",
        "data-testid": "chat-input",
        placeholder: "Write your message\u2026",
        autocomplete: "off",
      },
    });
    const label = el("label", {
      className: "cw-sr-only",
      text: "Your message (Enter to send, Shift+Enter for a new line)",
      attrs: { for: "cw-input" },
    });
    const send = el("button", {
      className: "cw-send",
      text: "Send",
      attrs: { type: "submit", "data-testid": "chat-send" },
    });
    const form = el("form", { className: "cw-composer", attrs: { novalidate: "" } }, [label, input, send]);

    const panel = el(
      "section",
      { className: "cw-panel", attrs: { id: "cw-panel", "aria-labelledby": "cw-title" } },
      [
        el("header", { className: "cw-header" }, [
          el("div", { className: "cw-heading" }, [
            el("p", { className: "cw-kicker", text: "Concierge" }),
            title,
          ]),
          closeButton,
        ]),
        el("div", { className: "cw-state" }, [status, eta]),
        messages,
        typing,
        form,
      ],
    );
    panel.hidden = true;

    root.append(panel, launcher);
    document.body.appendChild(root);

    ui = { root, launcher, badge, unreadText, panel, closeButton, status, eta, messages, typing, form, input, send };
    list = orderedList(messages, compareKeys);
    wireUi();
  }

  function wireUi() {
    ui.launcher.addEventListener("click", () => (state.open ? closePanel() : openPanel()));
    ui.closeButton.addEventListener("click", () => {
      closePanel();
      ui.launcher.focus();
    });
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        closePanel();
        ui.launcher.focus();
      }
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendFromInput();
    });
    ui.input.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter (and Enter while an IME is composing) inserts a newline.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendFromInput();
      }
    });
    ui.input.addEventListener("input", () => {
      autosize();
      onLocalTyping();
    });
  }

  function loadStylesheet() {
    const href = `${BASE}/static/widget.css`;
    const reveal = () => {
      if (ui) ui.root.hidden = false;
    };
    if (Array.from(document.querySelectorAll("link[rel=stylesheet]")).some((l) => l.href === href)) {
      reveal();
      return;
    }
    const link = el("link", { attrs: { rel: "stylesheet", href } });
    link.addEventListener("load", reveal);
    link.addEventListener("error", reveal); // unstyled beats invisible
    setTimeout(reveal, 4000);
    document.head.appendChild(link);
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
  }

  // ---------------------------------------------------------------------------------------
  // Panel open / close, status line, unread badge
  // ---------------------------------------------------------------------------------------

  function openPanel() {
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add("cw-is-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    state.unread = 0;
    renderBadge();
    renderStatus();
    scrollToBottom(true);
    ui.input.focus();
    // Opening (re)loads history: connect if needed, otherwise ask for anything missed.
    if (state.socket && state.socket.connected) requestHistory();
    else ensureConnected();
  }

  function closePanel() {
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove("cw-is-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    stopLocalTyping();
  }

  function renderBadge() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.launcher.classList.toggle("cw-has-unread", state.unread > 0);
    ui.unreadText.textContent = state.unread ? ` (${state.unread} unread)` : "";
  }

  function setConn(conn) {
    state.conn = conn;
    ui.root.dataset.connection = conn;
    renderStatus();
  }

  function setStatus(status) {
    state.status = status;
    renderStatus();
  }

  function statusText() {
    if (state.conn === "connecting") return "Connecting\u2026";
    if (state.conn === "reconnecting") return "Reconnecting\u2026";
    if (state.conn === "failed") return "Chat is unavailable at the moment. Please try again shortly.";
    const s = state.status;
    if (s.kind === "queue") return `You are number ${s.position} in line`;
    if (s.kind === "assigned") return `${s.name || "An ambassador"} is with you`;
    if (s.kind === "closed") return "Conversation closed";
    return "Write to us and a boutique ambassador will reply here.";
  }

  function renderStatus() {
    const text = statusText();
    if (ui.status.textContent !== text) ui.status.textContent = text;
    ui.status.dataset.state = state.conn === "connected" ? state.status.kind : state.conn;
    const s = state.status;
    const showEta = state.conn === "connected" && s.kind === "queue" && s.eta > 0;
    ui.eta.hidden = !showEta;
    if (showEta) ui.eta.textContent = `Estimated wait: about ${Math.max(1, Math.round(s.eta / 60))} min`;
  }

  // ---------------------------------------------------------------------------------------
  // Message rendering
  // ---------------------------------------------------------------------------------------

  function conversationIndex(conversationId) {
    const key = conversationId || "";
    if (!state.conversationOrder.has(key)) state.conversationOrder.set(key, state.conversationOrder.size);
    return state.conversationOrder.get(key);
  }

  /** One row: author line, the bubble (the tested element, text only), time and error lines. */
  function createEntry(authorKind) {
    const row = el("li", { className: `cw-row cw-row--${authorKind}` });
    const author = el("p", { className: "cw-author" });
    const bubble = el("div", {
      className: "cw-bubble",
      attrs: { "data-testid": "chat-message", "data-author": authorKind },
    });
    const meta = el("p", { className: "cw-meta" });
    row.append(author, bubble, meta);
    return { el: row, author, bubble, meta, error: null, key: null, id: null, clientId: null };
  }

  function fillConfirmed(entry, message) {
    const kind = message.author && message.author.kind ? message.author.kind : "system";
    entry.id = message.id;
    entry.el.className = `cw-row cw-row--${kind}`;
    entry.bubble.dataset.author = kind;
    entry.bubble.dataset.seq = String(message.seq);
    entry.bubble.dataset.status = "sent";
    entry.bubble.textContent = message.text || "";
    const name = kind === "ambassador" && message.author.name ? message.author.name : "";
    entry.author.textContent = name;
    entry.author.hidden = !name;
    entry.meta.textContent = formatTime(message.created_at);
    if (entry.error) {
      entry.error.remove();
      entry.error = null;
    }
    entry.key = [0, conversationIndex(message.conversation_id), Number(message.seq) || 0];
  }

  function fillPending(entry, item) {
    entry.clientId = item.client_id;
    entry.bubble.dataset.status = "sending";
    entry.bubble.textContent = item.text;
    entry.author.hidden = true;
    entry.meta.textContent = "Sending\u2026";
    entry.key = [1, item.created_ms || Date.now()];
  }

  function showFailure(entry, message) {
    entry.bubble.dataset.status = "failed";
    entry.meta.textContent = "Not sent";
    if (!entry.error) {
      entry.error = el("p", {
        className: "cw-error",
        attrs: { "data-testid": "chat-error", role: "alert" },
      });
      entry.el.appendChild(entry.error);
    }
    entry.error.textContent = message;
  }

  function isNearBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  function scrollToBottom(force) {
    if (force || isNearBottom()) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  /** Track the newest conversation and the highest seq seen in it (for history after_seq). */
  function noteSeq(conversationId, seq) {
    if (!conversationId || typeof seq !== "number") return;
    const current = state.currentConversation;
    if (!current || (conversationId !== current && conversationIndex(conversationId) > conversationIndex(current))) {
      state.currentConversation = conversationId;
      state.lastSeq = seq;
    } else if (conversationId === current && seq > state.lastSeq) {
      state.lastSeq = seq;
    }
  }

  /** Adds or updates a confirmed message; returns true when it was not shown before. */
  function upsertMessage(message) {
    if (!message || !message.id) return false;
    const nearBottom = isNearBottom();
    let entry = state.byId.get(message.id);
    const isNew = !entry;
    if (!entry && message.client_id && state.byClientId.has(message.client_id)) {
      // Defensive: if the hub echoes our client_id, turn the "sending" bubble into this one.
      entry = state.byClientId.get(message.client_id);
      state.byClientId.delete(message.client_id);
      removeFromOutbox(message.client_id);
    }
    if (!entry) entry = createEntry("system");
    fillConfirmed(entry, message);
    state.byId.set(message.id, entry);
    list.place(entry);
    noteSeq(message.conversation_id, message.seq);
    scrollToBottom(nearBottom);
    return isNew;
  }

  function showPending(item) {
    let entry = state.byClientId.get(item.client_id);
    if (!entry) {
      entry = createEntry("customer");
      state.byClientId.set(item.client_id, entry);
    }
    fillPending(entry, item);
    list.place(entry);
    scrollToBottom(true);
  }

  /** Forget everything shown (the visitor identity changed, so it belongs to someone else). */
  function clearConversation() {
    list.clear();
    state.byId.clear();
    state.conversationOrder.clear();
    state.byClientId.clear();
    state.currentConversation = null;
    state.lastSeq = 0;
    for (const item of readOutbox()) showPending(item);
    setStatus({ kind: "idle" });
  }

  // ---------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------

  function sendFromInput() {
    const text = ui.input.value;
    if (text === "") return; // nothing typed; blank-but-not-empty text goes to the hub, which explains
    const item = { client_id: newClientId(), text, created_ms: Date.now() };
    addToOutbox(item);
    showPending(item);
    ui.input.value = "";
    autosize();
    stopLocalTyping();
    // A message after "closed" starts a new conversation: the old status no longer applies.
    if (state.status.kind === "closed") setStatus({ kind: "idle" });
    if (state.socket && state.socket.connected) emitMessage(item);
    else ensureConnected(); // the connect handler flushes the outbox
  }

  function emitMessage(item) {
    state.socket.emit("message", { client_id: item.client_id, text: item.text }, (ack) => onMessageAck(item, ack));
  }

  function onMessageAck(item, ack) {
    const entry = state.byClientId.get(item.client_id);
    if (!ack || ack.error) {
      removeFromOutbox(item.client_id);
      const message = (ack && ack.error && ack.error.message) || "Your message could not be sent.";
      if (entry) showFailure(entry, message);
      return;
    }
    removeFromOutbox(item.client_id);
    if (!entry) return; // a duplicate ack (re-send after reconnect) that was already applied
    state.byClientId.delete(item.client_id);
    const confirmed = {
      id: ack.id,
      conversation_id: ack.conversation_id,
      seq: ack.seq,
      created_at: ack.created_at,
      author: { kind: "customer", name: null },
      text: item.text,
    };
    if (state.byId.has(ack.id)) {
      // The broadcast copy arrived before the ack: keep that one, drop the placeholder.
      list.remove(entry);
      noteSeq(ack.conversation_id, ack.seq);
      return;
    }
    fillConfirmed(entry, confirmed);
    state.byId.set(ack.id, entry);
    list.place(entry);
    noteSeq(ack.conversation_id, ack.seq);
  }

  /** Re-send everything not yet acknowledged; the hub de-duplicates by client_id. */
  function flushOutbox() {
    for (const item of readOutbox()) {
      if (!state.byClientId.has(item.client_id)) showPending(item);
      emitMessage(item);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Typing (ours and theirs)
  // ---------------------------------------------------------------------------------------

  function onLocalTyping() {
    const socket = state.socket;
    if (!socket || !socket.connected) return;
    if (ui.input.value === "") {
      stopLocalTyping();
      return;
    }
    const t = state.typing;
    const now = Date.now();
    if (!t.active || now - t.lastEmit > TYPING_THROTTLE_MS) {
      socket.emit("typing", { typing: true });
      t.active = true;
      t.lastEmit = now;
    }
    clearTimeout(t.idleTimer);
    t.idleTimer = setTimeout(stopLocalTyping, TYPING_IDLE_MS);
  }

  function stopLocalTyping() {
    const t = state.typing;
    clearTimeout(t.idleTimer);
    if (!t.active) return;
    t.active = false;
    if (state.socket && state.socket.connected) state.socket.emit("typing", { typing: false });
  }

  function showRemoteTyping(payload) {
    const author = (payload && payload.author) || {};
    if (author.kind === "customer") return; // our own other tab
    clearTimeout(state.remoteTypingTimer);
    if (!payload.typing) {
      hideRemoteTyping();
      return;
    }
    ui.typing.textContent = `${author.name || "Your ambassador"} is typing\u2026`;
    ui.typing.hidden = false;
    state.remoteTypingTimer = setTimeout(hideRemoteTyping, REMOTE_TYPING_TIMEOUT_MS);
  }

  function hideRemoteTyping() {
    clearTimeout(state.remoteTypingTimer);
    ui.typing.hidden = true;
    ui.typing.textContent = "";
  }

  // ---------------------------------------------------------------------------------------
  // Network: visitor token, socket.io, history
  // ---------------------------------------------------------------------------------------

  function readCookie(name) {
    const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
  }

  async function createVisitor() {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    // A page served by the hub itself carries the hub's cookies: echo the CSRF cookie then.
    const csrf = new URL(BASE).origin === window.location.origin ? readCookie("hub_csrf") : null;
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(`${BASE}/api/visitors`, { method: "POST", headers, body: "{}" });
    if (!response.ok) throw new Error(`visitor creation failed (${response.status})`);
    const body = await response.json();
    if (!body || !body.visitor_token) throw new Error("visitor creation returned no token");
    setToken(body.visitor_token);
  }

  function loadSocketIo() {
    if (typeof window.io === "function") return Promise.resolve(window.io);
    return new Promise((resolve, reject) => {
      const script = el("script", { attrs: { src: `${BASE}/static/vendor/socket.io.min.js`, async: "" } });
      script.addEventListener("load", () =>
        typeof window.io === "function" ? resolve(window.io) : reject(new Error("socket.io missing")),
      );
      script.addEventListener("error", () => {
        script.remove(); // let a later attempt add a fresh tag
        reject(new Error("socket.io failed to load"));
      });
      document.head.appendChild(script);
    });
  }

  /** Read fresh on every handshake, so a replaced token is picked up by reconnects. */
  function authPayload(cb) {
    const auth = { visitor_token: getToken(), language: LANGUAGE };
    if (STORE) auth.store = STORE;
    cb(auth);
  }

  function ensureConnected() {
    if (state.socket) {
      if (!state.socket.connected && !state.socket.active) state.socket.connect();
      return Promise.resolve();
    }
    if (state.connecting) return state.connecting;
    setConn("connecting");
    state.connecting = (async () => {
      const io = await loadSocketIo();
      if (!getToken()) await createVisitor();
      const hub = new URL(BASE);
      const socket = io(`${hub.origin}/shopper`, {
        path: `${hub.pathname.replace(/\/$/, "")}/socket.io`,
        auth: authPayload,
        transports: ["websocket"],
      });
      state.socket = socket;
      wireSocket(socket);
    })()
      .catch(() => {
        setConn("failed");
        scheduleRetry();
      })
      .finally(() => {
        state.connecting = null;
      });
    return state.connecting;
  }

  /** Retry a failed start with back-off, but only while the shopper is actually waiting. */
  function scheduleRetry() {
    const delay = state.retryMs;
    state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
    setTimeout(() => {
      if (state.open || readOutbox().length) ensureConnected();
    }, delay);
  }

  function wireSocket(socket) {
    socket.on("connect", onConnect);
    socket.on("connect_error", onConnectError);
    socket.on("disconnect", (reason) => {
      state.typing.active = false;
      hideRemoteTyping();
      setConn("reconnecting");
      // The client does not retry on its own after a server-side disconnect.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("message", onLiveMessage);
    socket.on("typing", showRemoteTyping);
    socket.on("assigned", (payload) => {
      const name = payload && payload.ambassador ? payload.ambassador.name : null;
      setStatus({ kind: "assigned", name });
    });
    socket.on("queue", (payload) => {
      setStatus({ kind: "queue", position: payload.position, eta: Number(payload.eta_seconds) || 0 });
    });
    socket.on("closed", () => {
      hideRemoteTyping();
      setStatus({ kind: "closed" });
    });
  }

  function onConnect() {
    state.authRetried = false;
    state.retryMs = 1000;
    setConn("connected");
    requestHistory();
    flushOutbox();
  }

  async function onConnectError(err) {
    const socket = state.socket;
    if (err && err.message === "unauthorized") {
      // The stored token is unknown or expired: start over as a new visitor, once.
      if (state.authRetried) {
        setConn("failed");
        return;
      }
      state.authRetried = true;
      dropToken();
      clearConversation();
      try {
        await createVisitor();
        socket.connect();
      } catch (_e) {
        setConn("failed");
      }
      return;
    }
    setConn("reconnecting");
    // Transport errors retry automatically; middleware rejections do not, so back off by hand.
    if (!socket.active) {
      const delay = state.retryMs;
      state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
      setTimeout(() => {
        if (!socket.connected) socket.connect();
      }, delay);
    }
  }

  /**
   * Ask for everything after the last seq we hold (or everything). afterSeq overrides that,
   * e.g. to fill a gap spotted in the live stream.
   */
  function requestHistory(afterSeq) {
    const socket = state.socket;
    if (!socket || !socket.connected) return;
    const after = afterSeq !== undefined ? afterSeq : state.lastSeq;
    const askedAbout = state.currentConversation;
    const payload = askedAbout && after > 0 ? { after_seq: after } : {};
    socket.emit("history", payload, (ack) => {
      if (!ack || ack.error || !Array.isArray(ack.messages)) return;
      if (payload.after_seq !== undefined && ack.conversation_id && ack.conversation_id !== askedAbout) {
        // after_seq referred to an older conversation; fetch the current one in full.
        state.currentConversation = null;
        state.lastSeq = 0;
        requestHistory(0);
        return;
      }
      ack.messages.slice().sort((a, b) => a.seq - b.seq).forEach(upsertMessage);
    });
  }

  function onLiveMessage(message) {
    if (!message || !message.id) return;
    const previous = state.lastSeq;
    const gap = message.conversation_id === state.currentConversation && message.seq > previous + 1;
    const kind = message.author ? message.author.kind : "system";
    const isNew = upsertMessage(message);
    if (gap) requestHistory(previous);
    if (!isNew) return;
    if (kind === "ambassador") {
      hideRemoteTyping();
      // A reply means someone is with us even if the "assigned" event was missed.
      if (state.status.kind === "idle" || state.status.kind === "queue") {
        setStatus({ kind: "assigned", name: message.author.name });
      }
    }
    if (kind !== "customer" && !state.open) {
      state.unread += 1;
      renderBadge();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------

  function start() {
    buildUi();
    loadStylesheet();
    renderStatus();
    // Show messages still waiting in the outbox right away.
    for (const item of readOutbox()) showPending(item);
    // A returning visitor (or one with unsent messages) reconnects in the background, so
    // replies raise the unread badge and the outbox drains without opening the panel.
    if (getToken() || readOutbox().length) ensureConnected();
    else setConn("idle");
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
