/*
 * Concierge ambassador console.
 *
 * One page, two states: a login form, and the workspace (offers, my conversations, the open
 * conversation). HTTP gives the initial picture and socket.io keeps it live; after every
 * (re)connect the list and the open timeline are fetched again, so nothing missed while the
 * socket was down stays missing.
 *
 * Security: the session lives in an HttpOnly cookie. Every non-GET request echoes the readable
 * hub_csrf cookie in X-CSRF-Token. All text from the network is rendered with textContent.
 * The login token is kept in memory only (for the socket handshake) and never logged.
 */
(() => {
  "use strict";

  const TYPING_IDLE_MS = 2000; // stop "typing" after this much quiet
  const TYPING_THROTTLE_MS = 3000; // re-affirm "typing" at most this often
  const REMOTE_TYPING_TIMEOUT_MS = 8000; // hide a stale indicator if "typing false" got lost
  const TOAST_MS = 5000;
  const MAX_RETRY_MS = 30000;
  // Accept errors meaning the offer is gone for good (remove it rather than offer a retry).
  const OFFER_GONE = /expired|revoked|declined|taken|not_found|conflict|gone/;

  const $ = (id) => document.getElementById(id);
  const dom = {
    boot: $("boot"),
    sessionBar: $("session-bar"),
    connection: $("connection-state"),
    connectionText: $("connection-text"),
    staffName: $("staff-name"),
    presence: $("presence-toggle"),
    logout: $("logout"),
    loginView: $("login-view"),
    loginForm: $("login-form"),
    loginEmail: $("login-email"),
    loginPassword: $("login-password"),
    loginError: $("login-error"),
    loginSubmit: $("login-submit"),
    workspace: $("workspace"),
    offersList: $("offers-list"),
    offersEmpty: $("offers-empty"),
    offersCount: $("offers-count"),
    conversationList: $("conversation-list"),
    conversationsEmpty: $("conversations-empty"),
    placeholder: $("conversation-placeholder"),
    conversationView: $("conversation-view"),
    back: $("back-to-list"),
    convName: $("conv-name"),
    convTier: $("conv-tier"),
    convChannel: $("conv-channel"),
    convStore: $("conv-store"),
    convLanguage: $("conv-language"),
    closeButton: $("close-conversation"),
    convClosed: $("conv-closed"),
    convError: $("conv-error"),
    timeline: $("timeline"),
    typing: $("typing-indicator"),
    replyForm: $("reply-form"),
    replyInput: $("reply-input"),
    replySend: $("reply-send"),
    toast: $("toast"),
    announcer: $("announcer"),
  };

  const state = {
    staff: null,
    token: null, // from the login response; memory only
    socket: null,
    retryMs: 1000,
    conversations: new Map(), // id -> conversation (+ customer, unread)
    offers: new Map(), // offer_id -> {offer, el, countdown, error, buttons}
    selectedId: null,
    loadTicket: 0, // ignores stale timeline responses after a quick switch
    timelineLoaded: false,
    messages: new Map(), // id -> message, for the selected conversation
    entries: new Map(), // "m:<id>" or "p:<client_id>" -> DOM entry, for the selected conversation
    pending: new Map(), // client_id -> reply not yet acknowledged (or failed), any conversation
    drafts: new Map(), // conversation id -> unsent textarea text
    presenceRequest: 0,
    typing: { active: false, lastEmit: 0, idleTimer: null, conversationId: null },
    remoteTypingTimer: null,
    countdownTimer: null,
    toastTimer: null,
    refreshTimer: null,
  };

  // ---------------------------------------------------------------------------------------
  // Generic helpers
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

  function readCookie(name) {
    const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
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

  function formatTime(iso) {
    const date = iso ? new Date(iso) : null;
    if (!date || Number.isNaN(date.getTime())) return "";
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (date.toDateString() === new Date().toDateString()) return time;
    return `${date.toLocaleDateString([], { day: "numeric", month: "short" })}, ${time}`;
  }

  function formatCountdown(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const minutes = Math.floor(total / 60);
    return `${minutes}:${String(total % 60).padStart(2, "0")}`;
  }

  const customerName = (customer) => (customer && customer.name) || "Guest";
  const isWide = () => window.matchMedia("(min-width: 768px)").matches;

  function announce(text) {
    // Clearing first makes screen readers repeat an identical announcement.
    dom.announcer.textContent = "";
    window.setTimeout(() => {
      dom.announcer.textContent = text;
    }, 50);
  }

  function toast(text) {
    dom.toast.textContent = text;
    dom.toast.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(() => {
      dom.toast.hidden = true;
    }, TOAST_MS);
  }

  /**
   * Keeps a container's children sorted by key without rebuilding it, so that the aria-live
   * timeline only announces genuinely new nodes.
   */
  function orderedList(container) {
    let entries = [];
    const compare = (a, b) => a[0] - b[0] || a[1] - b[1];
    return {
      place(entry) {
        entries = entries.filter((e) => e !== entry);
        let index = entries.findIndex((other) => compare(entry.key, other.key) < 0);
        if (index < 0) index = entries.length;
        entries.splice(index, 0, entry);
        const ref = index + 1 < entries.length ? entries[index + 1].el : null;
        if (entry.el.parentNode !== container || entry.el.nextSibling !== ref) {
          container.insertBefore(entry.el, ref);
        }
      },
      remove(entry) {
        entries = entries.filter((e) => e !== entry);
        entry.el.remove();
      },
      clear() {
        entries = [];
        container.replaceChildren();
      },
    };
  }

  const timelineList = orderedList(dom.timeline);

  // ---------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || {};
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") {
      const csrf = readCookie("hub_csrf");
      if (csrf) headers["X-CSRF-Token"] = csrf;
    }
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_err) {
      throw new ApiError(0, "network", "The hub could not be reached. Check your connection.");
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const message = error.message || `The hub answered with an error (${response.status}).`;
      throw new ApiError(response.status, error.code || `http_${response.status}`, message, error);
    }
    return data;
  }

  /** Shared handling for a failed request made from the workspace. */
  function reportApiFailure(err) {
    if (!state.staff) return; // signed out while the request was in flight
    if (err && err.status === 401) {
      sessionEnded();
      return;
    }
    toast((err && err.message) || "Something went wrong.");
  }

  // ---------------------------------------------------------------------------------------
  // Login / logout / session
  // ---------------------------------------------------------------------------------------

  async function boot() {
    wireUi();
    try {
      const data = await api("GET", "/api/me");
      enterWorkspace(data.staff);
    } catch (err) {
      showLogin(err.status === 401 ? "" : err.message);
    }
  }

  function showLogin(message) {
    teardown();
    dom.boot.hidden = true;
    dom.workspace.hidden = true;
    dom.sessionBar.hidden = true;
    dom.loginView.hidden = false;
    showLoginError(message);
    dom.loginEmail.focus();
  }

  function showLoginError(message) {
    dom.loginError.textContent = message || "";
    dom.loginError.hidden = !message;
  }

  function loginErrorText(err) {
    if (err.status === 401) return "The e-mail or password is incorrect.";
    if (err.status === 429) {
      const wait = Number(err.details.retry_after);
      const suffix = wait > 0 ? ` Please try again in ${Math.ceil(wait)} seconds.` : " Please wait a moment.";
      return `Too many sign-in attempts.${suffix}`;
    }
    return err.message;
  }

  async function onLoginSubmit(event) {
    event.preventDefault();
    const email = dom.loginEmail.value.trim();
    const password = dom.loginPassword.value;
    if (!email || !password) {
      showLoginError("Enter your e-mail and password.");
      return;
    }
    showLoginError("");
    dom.loginSubmit.disabled = true;
    try {
      const data = await api("POST", "/api/auth/login", { email, password });
      state.token = data.token || null;
      dom.loginPassword.value = "";
      enterWorkspace(data.staff);
    } catch (err) {
      showLoginError(loginErrorText(err));
      dom.loginPassword.select();
    } finally {
      dom.loginSubmit.disabled = false;
    }
  }

  function enterWorkspace(staff) {
    state.staff = staff || {};
    dom.staffName.textContent = state.staff.name || state.staff.email || "";
    dom.boot.hidden = true;
    dom.loginView.hidden = true;
    dom.sessionBar.hidden = false;
    dom.workspace.hidden = false;
    dom.presence.value = "away"; // the hub starts every connection as away
    setView("list");
    showConversation(null);
    renderOffersMeta();
    renderConversationList();
    state.countdownTimer = setInterval(tickOffers, 1000);
    connectSocket();
  }

  async function onLogout() {
    dom.logout.disabled = true;
    try {
      await api("POST", "/api/auth/logout");
    } catch (_err) {
      // Already signed out server-side or unreachable: still leave the workspace.
    } finally {
      dom.logout.disabled = false;
      dom.loginEmail.value = "";
      showLogin("");
    }
  }

  function sessionEnded() {
    showLogin("Your session has ended. Please sign in again.");
  }

  /** Forget everything about the previous session (socket, data, DOM). */
  function teardown() {
    if (state.socket) {
      const socket = state.socket;
      state.socket = null; // handlers check this, so the disconnect below is ignored
      socket.off();
      socket.io.off();
      socket.disconnect();
    }
    clearInterval(state.countdownTimer);
    clearTimeout(state.refreshTimer);
    clearTimeout(state.typing.idleTimer);
    clearTimeout(state.remoteTypingTimer);
    state.token = null;
    state.staff = null;
    state.conversations.clear();
    state.offers.clear();
    state.pending.clear();
    state.drafts.clear();
    state.selectedId = null;
    state.typing.active = false;
    resetTimeline();
    dom.offersList.replaceChildren();
    dom.conversationList.replaceChildren();
  }

  // ---------------------------------------------------------------------------------------
  // Socket
  // ---------------------------------------------------------------------------------------

  function setConnection(kind) {
    const labels = {
      connecting: "Connecting\u2026",
      connected: "Connected",
      reconnecting: "Reconnecting\u2026",
      offline: "Offline",
    };
    dom.connection.dataset.state = kind;
    dom.connectionText.textContent = labels[kind] || kind;
  }

  function connectSocket() {
    if (typeof window.io !== "function") {
      setConnection("offline");
      toast("The real-time client could not be loaded. Reload the page to try again.");
      return;
    }
    setConnection("connecting");
    const socket = window.io(`${window.location.origin}/console`, {
      // The session cookie authenticates; the in-memory token is a fallback, read per handshake.
      auth: (cb) => cb(state.token ? { token: state.token } : {}),
      transports: ["websocket"],
    });
    state.socket = socket;
    const guard = (handler) => (...args) => {
      if (state.socket === socket) handler(...args);
    };
    socket.on("connect", guard(onConnect));
    socket.on("disconnect", guard(onDisconnect));
    socket.on("connect_error", guard(onConnectError));
    socket.io.on("reconnect_attempt", guard(() => setConnection("reconnecting")));
    socket.on("offer", guard(onOffer));
    socket.on("offer_revoked", guard(onOfferRevoked));
    socket.on("assigned", guard(onAssigned));
    socket.on("message", guard(onMessage));
    socket.on("typing", guard(onRemoteTyping));
    socket.on("closed", guard((payload) => markClosed(payload && payload.conversation_id)));
  }

  function onConnect() {
    state.retryMs = 1000;
    setConnection("connected");
    emitPresence(dom.presence.value);
    refreshAll();
    resendPending();
  }

  function onDisconnect(reason) {
    setConnection("reconnecting");
    state.typing.active = false;
    hideRemoteTyping();
    // After a server-side disconnect the client does not retry on its own. If the session was
    // revoked, the retry fails with "unauthorized" and sends us back to the login form.
    if (reason === "io server disconnect") state.socket.connect();
  }

  function onConnectError(err) {
    if (err && err.message === "unauthorized") {
      sessionEnded();
      return;
    }
    setConnection("reconnecting");
    const socket = state.socket;
    // Transport errors retry automatically; middleware rejections do not, so back off by hand.
    if (!socket.active) {
      const delay = state.retryMs;
      state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
      setTimeout(() => {
        if (state.socket === socket && !socket.connected) socket.connect();
      }, delay);
    }
  }

  /** Emit only while connected: socket.io would otherwise buffer and replay stale actions. */
  function emitNow(event, payload, ack) {
    const socket = state.socket;
    if (!socket || !socket.connected) return false;
    if (ack) socket.emit(event, payload, ack);
    else socket.emit(event, payload);
    return true;
  }

  /** After a (re)connect: the list and the open timeline may have changed while we were away. */
  function refreshAll() {
    loadConversations();
    if (state.selectedId) loadTimeline(state.selectedId);
  }

  // ---------------------------------------------------------------------------------------
  // Presence
  // ---------------------------------------------------------------------------------------

  function emitPresence(status) {
    const request = ++state.presenceRequest;
    emitNow("presence", { status }, (ack) => {
      if (request !== state.presenceRequest) return; // a newer choice superseded this one
      if (!ack || ack.error) {
        toast((ack && ack.error && ack.error.message) || "Your status could not be changed.");
        dom.presence.value = "away";
        return;
      }
      if (ack.status && ack.status !== dom.presence.value) dom.presence.value = ack.status;
      renderOffersMeta();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Offers
  // ---------------------------------------------------------------------------------------

  function onOffer(payload) {
    if (!payload || !payload.offer_id) return;
    const expires = Date.parse(payload.expires_at);
    if (!Number.isNaN(expires) && expires <= Date.now()) return;
    const existing = state.offers.get(payload.offer_id);
    if (existing) existing.offer = payload;
    else state.offers.set(payload.offer_id, createOffer(payload));
    renderOffer(state.offers.get(payload.offer_id));
    renderOffersMeta();
    if (!existing) announce(`New offer: ${customerName(payload.customer)}`);
  }

  function createOffer(offer) {
    const nameId = `offer-name-${offer.offer_id}`;
    const name = el("h3", { className: "offer-name", attrs: { id: nameId } });
    const tier = el("span", { className: "tier" });
    const meta = el("p", { className: "offer-meta" });
    const countdown = el("p", { className: "offer-countdown", attrs: { "data-testid": "offer-countdown" } });
    const error = el("p", { className: "form-error", attrs: { role: "alert" } });
    error.hidden = true;
    const accept = el("button", {
      className: "button button-primary",
      text: "Accept",
      attrs: { type: "button", "data-testid": "offer-accept", "aria-describedby": nameId },
    });
    const decline = el("button", {
      className: "button button-outline",
      text: "Decline",
      attrs: { type: "button", "data-testid": "offer-decline", "aria-describedby": nameId },
    });
    const item = el("li", { className: "offer", attrs: { "data-testid": "offer", "data-offer-id": offer.offer_id } }, [
      el("div", { className: "offer-top" }, [name, tier]),
      meta,
      countdown,
      error,
      el("div", { className: "offer-actions" }, [accept, decline]),
    ]);
    accept.addEventListener("click", () => acceptOffer(offer.offer_id));
    decline.addEventListener("click", () => declineOffer(offer.offer_id));
    dom.offersList.appendChild(item);
    return { offer, el: item, name, tier, meta, countdown, error, accept, decline };
  }

  function renderOffer(entry) {
    const { offer } = entry;
    const conversation = offer.conversation || {};
    const customer = offer.customer || conversation.customer || {};
    entry.name.textContent = customerName(customer);
    renderTier(entry.tier, customer.tier);
    entry.meta.textContent = [conversation.channel, conversation.store, conversation.language]
      .filter(Boolean)
      .join(" \u00b7 ");
    updateCountdown(entry);
  }

  function renderTier(node, tier) {
    node.textContent = tier || "";
    node.hidden = !tier;
    node.dataset.tier = tier || "";
  }

  function updateCountdown(entry) {
    const expires = Date.parse(entry.offer.expires_at);
    if (Number.isNaN(expires)) {
      entry.countdown.textContent = "";
      return true;
    }
    const left = expires - Date.now();
    if (left <= 0) return false;
    entry.countdown.textContent = `Expires in ${formatCountdown(left)}`;
    entry.el.classList.toggle("offer-urgent", left < 10000);
    return true;
  }

  /** Runs every second: refresh countdowns and drop offers whose time has passed. */
  function tickOffers() {
    for (const [offerId, entry] of state.offers) {
      if (!updateCountdown(entry)) removeOffer(offerId);
    }
  }

  function removeOffer(offerId) {
    const entry = state.offers.get(offerId);
    if (!entry) return;
    state.offers.delete(offerId);
    entry.el.remove();
    renderOffersMeta();
  }

  function renderOffersMeta() {
    const count = state.offers.size;
    dom.offersEmpty.hidden = count > 0;
    dom.offersEmpty.textContent =
      dom.presence.value === "available"
        ? "No offers at the moment. New shoppers will appear here."
        : "No offers at the moment. Choose \u201cAvailable\u201d to receive new shoppers.";
    dom.offersCount.textContent = count ? `(${count})` : "";
  }

  function setOfferBusy(entry, busy) {
    entry.accept.disabled = busy;
    entry.decline.disabled = busy;
  }

  function showOfferError(entry, message) {
    entry.error.textContent = message;
    entry.error.hidden = !message;
  }

  function acceptOffer(offerId) {
    const entry = state.offers.get(offerId);
    if (!entry) return;
    setOfferBusy(entry, true);
    showOfferError(entry, "");
    const sent = emitNow("accept", { offer_id: offerId }, (ack) => onAcceptAck(offerId, entry, ack));
    if (!sent) {
      setOfferBusy(entry, false);
      showOfferError(entry, "Not connected. Try again in a moment.");
    }
  }

  function onAcceptAck(offerId, entry, ack) {
    if (!ack || ack.error || !ack.conversation) {
      const error = (ack && ack.error) || {};
      const message = error.message || "The offer could not be accepted.";
      if (OFFER_GONE.test(error.code || "")) {
        removeOffer(offerId);
        toast(message);
      } else {
        setOfferBusy(entry, false);
        showOfferError(entry, message);
      }
      return;
    }
    removeOffer(offerId);
    const customer = ack.conversation.customer || entry.offer.customer;
    upsertConversation({ ...ack.conversation, customer });
    renderConversationList();
    selectConversation(ack.conversation.id);
  }

  function declineOffer(offerId) {
    const entry = state.offers.get(offerId);
    if (!entry) return;
    // Optimistic: the ambassador said no, so the card goes now whatever the hub replies.
    removeOffer(offerId);
    emitNow("decline", { offer_id: offerId }, (ack) => {
      if (ack && ack.error) toast(ack.error.message || "The offer could not be declined.");
    });
  }

  function onOfferRevoked(payload) {
    if (!payload || !state.offers.has(payload.offer_id)) return;
    removeOffer(payload.offer_id);
    announce("An offer was withdrawn.");
  }

  // ---------------------------------------------------------------------------------------
  // Conversation list
  // ---------------------------------------------------------------------------------------

  function upsertConversation(conversation) {
    if (!conversation || !conversation.id) return null;
    const previous = state.conversations.get(conversation.id) || { unread: false };
    const merged = { ...previous, ...conversation };
    if (!conversation.customer) merged.customer = previous.customer;
    // Event and ack payloads carry last_message: null; keep the preview we already have.
    if (!conversation.last_message && previous.last_message) merged.last_message = previous.last_message;
    state.conversations.set(conversation.id, merged);
    return merged;
  }

  async function loadConversations() {
    let data;
    try {
      data = await api("GET", "/api/conversations?status=open");
    } catch (err) {
      reportApiFailure(err);
      return;
    }
    if (!state.staff) return; // logged out meanwhile
    const fresh = new Map();
    for (const conversation of data.conversations || []) {
      const previous = state.conversations.get(conversation.id);
      fresh.set(conversation.id, { unread: previous ? previous.unread : false, ...conversation });
    }
    // The open conversation stays listed even if it was closed meanwhile, so the page is stable.
    const selected = state.conversations.get(state.selectedId);
    if (selected && !fresh.has(selected.id)) fresh.set(selected.id, selected);
    state.conversations = fresh;
    renderConversationList();
  }

  /** A message for a conversation we do not know: refetch the list once things settle. */
  function scheduleListRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(loadConversations, 300);
  }

  function sortedConversations() {
    const stamp = (c) => Date.parse(c.updated_at || (c.last_message && c.last_message.created_at) || 0) || 0;
    return Array.from(state.conversations.values()).sort((a, b) => stamp(b) - stamp(a));
  }

  function previewText(conversation) {
    const last = conversation.last_message;
    if (!last) return "No messages yet";
    const prefix = last.author && last.author.kind === "ambassador" ? "You: " : "";
    const text = (last.text || "").replace(/\s+/g, " ").trim();
    return prefix + (text.length > 90 ? `${text.slice(0, 90)}\u2026` : text);
  }

  function renderConversationItem(conversation) {
    const selected = conversation.id === state.selectedId;
    const closed = conversation.status === "closed";
    const button = el(
      "button",
      {
        className: "conv-item",
        attrs: {
          type: "button",
          "data-testid": "conversation-item",
          "data-conversation-id": conversation.id,
          "data-unread": conversation.unread ? "true" : "false",
          "data-status": conversation.status,
          "aria-current": selected ? "true" : undefined,
        },
      },
      [
        el("span", { className: "conv-item-top" }, [
          el("span", { className: "conv-item-name", text: customerName(conversation.customer) }),
          el("span", { className: "conv-item-channel", text: conversation.channel || "" }),
        ]),
        el("span", { className: "conv-item-preview", text: previewText(conversation) }),
        closed ? el("span", { className: "conv-item-closed", text: "Closed" }) : null,
        conversation.unread
          ? el("span", { className: "unread-dot", attrs: { "data-testid": "unread-dot" } }, [
              el("span", { className: "sr-only", text: "Unread messages" }),
            ])
          : null,
      ],
    );
    button.addEventListener("click", () => selectConversation(conversation.id));
    return el("li", { className: selected ? "is-selected" : "" }, [button]);
  }

  /** Rebuilds the (short) list; focus is restored so keyboard users do not lose their place. */
  function renderConversationList() {
    const focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.conversationId
      : undefined;
    const items = sortedConversations().map(renderConversationItem);
    dom.conversationList.replaceChildren(...items);
    dom.conversationsEmpty.hidden = items.length > 0;
    if (focusedId) focusConversationItem(focusedId);
  }

  function focusConversationItem(id) {
    const button = Array.from(dom.conversationList.querySelectorAll("button.conv-item")).find(
      (b) => b.dataset.conversationId === id,
    );
    if (button) button.focus();
  }

  /** Conversations closed while not open are dropped: the list shows open ones only. */
  function pruneClosed() {
    for (const [id, conversation] of state.conversations) {
      if (conversation.status === "closed" && id !== state.selectedId) state.conversations.delete(id);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Selected conversation
  // ---------------------------------------------------------------------------------------

  function setView(view) {
    dom.workspace.dataset.view = view;
  }

  function selectConversation(id) {
    if (!id) return;
    if (state.selectedId !== id) {
      saveDraft();
      stopLocalTyping();
      state.selectedId = id;
      resetTimeline();
      hideRemoteTyping();
      showConversationError("");
      dom.replyInput.value = state.drafts.get(id) || "";
      renderPendingForSelected();
    }
    pruneClosed();
    const conversation = state.conversations.get(id);
    if (conversation) conversation.unread = false;
    renderConversationList();
    showConversation(conversation || { id });
    setView("conversation");
    // On a phone the keyboard would cover the timeline, so focus the heading there instead.
    if (isWide()) dom.replyInput.focus();
    else dom.convName.focus();
    loadTimeline(id);
  }

  function saveDraft() {
    if (!state.selectedId) return;
    if (dom.replyInput.value) state.drafts.set(state.selectedId, dom.replyInput.value);
    else state.drafts.delete(state.selectedId);
  }

  /** Fills the conversation header and enables or disables the composer. */
  function showConversation(conversation) {
    dom.placeholder.hidden = Boolean(conversation);
    dom.conversationView.hidden = !conversation;
    if (!conversation) return;
    const customer = conversation.customer || {};
    dom.convName.textContent = customerName(customer);
    dom.convName.setAttribute("tabindex", "-1");
    renderTier(dom.convTier, customer.tier);
    dom.convChannel.textContent = conversation.channel || "";
    dom.convStore.textContent = conversation.store || "";
    dom.convLanguage.textContent = conversation.language || "";
    const closed = conversation.status === "closed";
    dom.convClosed.hidden = !closed;
    dom.closeButton.disabled = closed;
    dom.replyInput.disabled = closed;
    dom.replySend.disabled = closed;
    dom.conversationView.dataset.status = conversation.status || "";
  }

  function showConversationError(message) {
    dom.convError.textContent = message || "";
    dom.convError.hidden = !message;
  }

  async function loadTimeline(id) {
    const ticket = ++state.loadTicket;
    dom.timeline.setAttribute("aria-busy", "true");
    let data;
    try {
      data = await api("GET", `/api/conversations/${encodeURIComponent(id)}`);
    } catch (err) {
      if (ticket !== state.loadTicket) return;
      dom.timeline.setAttribute("aria-busy", "false");
      if (err.status === 401) sessionEnded();
      else if (err.status === 404) showConversationError("This conversation is no longer available to you.");
      else showConversationError(err.message);
      return;
    }
    if (ticket !== state.loadTicket || state.selectedId !== id) return;
    const base = data.conversation || { id };
    const conversation = upsertConversation({ ...base, customer: data.customer || base.customer });
    showConversation(conversation);
    renderConversationList();
    const messages = data.messages || [];
    messages.forEach(addTimelineMessage);
    updatePreviewFrom(conversation, messages);
    state.timelineLoaded = true;
    dom.timeline.setAttribute("aria-busy", "false");
    scrollTimeline(true);
  }

  /** The list preview follows the newest message we have seen, wherever it came from. */
  function updatePreviewFrom(conversation, messages) {
    const newest = messages.reduce((a, m) => (!a || m.seq > a.seq ? m : a), null);
    if (!conversation || !newest || (conversation.last_message && newest.seq < conversation.last_seq)) return;
    conversation.last_message = { text: newest.text, created_at: newest.created_at, author: newest.author };
    conversation.last_seq = newest.seq;
    renderConversationList();
  }

  // ---------------------------------------------------------------------------------------
  // Timeline
  // ---------------------------------------------------------------------------------------

  function resetTimeline() {
    state.messages.clear();
    state.entries.clear();
    state.timelineLoaded = false;
    timelineList.clear();
  }

  function nearBottom() {
    const t = dom.timeline;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  }

  function scrollTimeline(force) {
    if (force || nearBottom()) dom.timeline.scrollTop = dom.timeline.scrollHeight;
  }

  /** One row: author line, the bubble (the tested element, text only) and a time line. */
  function createTimelineEntry() {
    const row = el("li", { className: "tl-row" });
    const author = el("p", { className: "tl-author" });
    const bubble = el("div", { className: "tl-bubble", attrs: { "data-testid": "timeline-message" } });
    const meta = el("p", { className: "tl-meta" });
    row.append(author, bubble, meta);
    return { el: row, author, bubble, meta, error: null, key: null };
  }

  /** The error line exists only while there is an error, so it never matches when hidden. */
  function setEntryError(entry, message) {
    if (!message) {
      if (entry.error) entry.error.remove();
      entry.error = null;
      return;
    }
    if (!entry.error) {
      entry.error = el("p", { className: "form-error tl-error", attrs: { "data-testid": "reply-error", role: "alert" } });
      entry.el.appendChild(entry.error);
    }
    entry.error.textContent = message;
  }

  function fillEntry(entry, { kind, name, text, seq, status, meta, error }) {
    entry.el.className = `tl-row tl-row--${kind}`;
    entry.bubble.dataset.author = kind;
    if (seq !== undefined && seq !== null) entry.bubble.dataset.seq = String(seq);
    else delete entry.bubble.dataset.seq;
    entry.bubble.dataset.status = status;
    entry.bubble.textContent = text || "";
    entry.author.textContent = kind === "system" ? "" : name || "";
    entry.author.hidden = kind === "system" || !name;
    entry.meta.textContent = meta || "";
    setEntryError(entry, error);
  }

  function fillMessage(entry, message) {
    const kind = (message.author && message.author.kind) || "system";
    fillEntry(entry, {
      kind,
      name: message.author && message.author.name,
      text: message.text,
      seq: message.seq,
      status: "sent",
      meta: formatTime(message.created_at),
    });
    entry.key = [0, Number(message.seq) || 0];
  }

  function fillPending(entry, item) {
    const failed = item.status === "failed";
    const waiting = !state.socket || !state.socket.connected;
    fillEntry(entry, {
      kind: "ambassador",
      name: state.staff && state.staff.name,
      text: item.text,
      status: failed ? "failed" : "pending",
      meta: failed ? "Not sent" : waiting ? "Waiting for connection\u2026" : "Sending\u2026",
      error: failed ? item.error : "",
    });
    entry.key = [1, item.created_ms];
  }

  function highestSeq() {
    let max = 0;
    for (const message of state.messages.values()) max = Math.max(max, Number(message.seq) || 0);
    return max;
  }

  /** Adds or updates a confirmed message in the open timeline (de-duplicated by id). */
  function addTimelineMessage(message) {
    if (!message || !message.id || message.conversation_id !== state.selectedId) return;
    const wasNearBottom = nearBottom();
    state.messages.set(message.id, message);
    const key = `m:${message.id}`;
    let entry = state.entries.get(key);
    if (!entry && message.client_id && state.entries.has(`p:${message.client_id}`)) {
      // Defensive: if the hub echoes our client_id, the pending bubble becomes this message.
      entry = state.entries.get(`p:${message.client_id}`);
      state.entries.delete(`p:${message.client_id}`);
      state.pending.delete(message.client_id);
    }
    if (!entry) entry = createTimelineEntry();
    fillMessage(entry, message);
    state.entries.set(key, entry);
    timelineList.place(entry);
    scrollTimeline(wasNearBottom);
  }

  function renderPending(item) {
    if (item.conversation_id !== state.selectedId) return;
    const key = `p:${item.client_id}`;
    let entry = state.entries.get(key);
    if (!entry) {
      entry = createTimelineEntry();
      state.entries.set(key, entry);
    }
    fillPending(entry, item);
    timelineList.place(entry);
    scrollTimeline(true);
  }

  function renderPendingForSelected() {
    for (const item of state.pending.values()) renderPending(item);
  }

  // ---------------------------------------------------------------------------------------
  // Live events
  // ---------------------------------------------------------------------------------------

  function onMessage(message) {
    if (!message || !message.id) return;
    const conversation = state.conversations.get(message.conversation_id);
    const kind = message.author ? message.author.kind : "system";
    const isSelected = message.conversation_id === state.selectedId;
    if (conversation) {
      if (!conversation.last_seq || message.seq >= conversation.last_seq) {
        conversation.last_message = { text: message.text, created_at: message.created_at, author: message.author };
        conversation.last_seq = message.seq;
        conversation.updated_at = message.created_at || conversation.updated_at;
      }
      if (!isSelected && kind === "customer") {
        conversation.unread = true;
        announce(`New message from ${customerName(conversation.customer)}`);
      }
      renderConversationList();
    } else {
      scheduleListRefresh();
    }
    if (!isSelected) return;
    // A jump in seq means something was missed (e.g. during a reconnect): refetch the timeline.
    const gap = state.timelineLoaded && message.seq > highestSeq() + 1;
    if (!state.messages.has(message.id)) addTimelineMessage(message);
    if (kind === "customer") hideRemoteTyping();
    if (gap) loadTimeline(state.selectedId);
  }

  function onAssigned(payload) {
    const conversation = payload && payload.conversation;
    if (!conversation || !conversation.id) return;
    const ambassador = payload.ambassador || {};
    const mine = !state.staff || ambassador.id === undefined || ambassador.id === state.staff.id;
    if (!mine) {
      // Handed to a colleague: it is no longer ours to answer.
      state.conversations.delete(conversation.id);
      renderConversationList();
      if (conversation.id === state.selectedId) {
        showConversationError(`This conversation is now with ${ambassador.name || "a colleague"}.`);
      }
      return;
    }
    const known = state.conversations.has(conversation.id);
    const merged = upsertConversation({ ...conversation, assigned_to: ambassador });
    if (!known && merged.id !== state.selectedId) merged.unread = true;
    renderConversationList();
    if (merged.id === state.selectedId) showConversation(merged);
    if (!known) announce(`${customerName(merged.customer)} is now in your conversations.`);
  }

  function markClosed(conversationId) {
    const conversation = state.conversations.get(conversationId);
    if (!conversation) return;
    conversation.status = "closed";
    if (conversationId === state.selectedId) {
      showConversation(conversation);
      hideRemoteTyping();
      stopLocalTyping();
    } else {
      state.conversations.delete(conversationId);
    }
    renderConversationList();
  }

  function onRemoteTyping(payload) {
    if (!payload || payload.conversation_id !== state.selectedId) return;
    const author = payload.author || {};
    if (author.kind === "ambassador") return; // our own echo (or a colleague's)
    clearTimeout(state.remoteTypingTimer);
    if (!payload.typing) {
      hideRemoteTyping();
      return;
    }
    const conversation = state.conversations.get(state.selectedId);
    const name = author.name || customerName(conversation && conversation.customer);
    dom.typing.textContent = `${name} is typing\u2026`;
    dom.typing.hidden = false;
    state.remoteTypingTimer = setTimeout(hideRemoteTyping, REMOTE_TYPING_TIMEOUT_MS);
  }

  function hideRemoteTyping() {
    clearTimeout(state.remoteTypingTimer);
    dom.typing.hidden = true;
    dom.typing.textContent = "";
  }

  // ---------------------------------------------------------------------------------------
  // Replying, typing, closing
  // ---------------------------------------------------------------------------------------

  function sendReply() {
    const text = dom.replyInput.value;
    const conversationId = state.selectedId;
    if (text === "" || !conversationId || dom.replyInput.disabled) return;
    const item = {
      client_id: newClientId(),
      conversation_id: conversationId,
      text,
      status: "sending",
      error: "",
      created_ms: Date.now(),
    };
    state.pending.set(item.client_id, item);
    renderPending(item);
    dom.replyInput.value = "";
    state.drafts.delete(conversationId);
    stopLocalTyping();
    emitReply(item); // if offline, resendPending() sends it on connect
  }

  function emitReply(item) {
    const payload = { conversation_id: item.conversation_id, client_id: item.client_id, text: item.text };
    emitNow("reply", payload, (ack) => onReplyAck(item, ack));
  }

  function onReplyAck(item, ack) {
    if (!state.pending.has(item.client_id)) return; // already settled (duplicate ack)
    if (!ack || ack.error || !ack.id) {
      item.status = "failed";
      item.error = (ack && ack.error && ack.error.message) || "The reply could not be sent.";
      renderPending(item);
      return;
    }
    state.pending.delete(item.client_id);
    const message = {
      id: ack.id,
      conversation_id: item.conversation_id,
      seq: ack.seq,
      created_at: ack.created_at,
      author: { kind: "ambassador", name: state.staff && state.staff.name },
      text: item.text,
    };
    settlePendingEntry(item, message);
    onMessage(message); // updates the list preview (and is a no-op for the timeline now)
  }

  /** Turns the pending bubble into the confirmed one, or drops it if the broadcast won. */
  function settlePendingEntry(item, message) {
    const pendingKey = `p:${item.client_id}`;
    const entry = state.entries.get(pendingKey);
    if (!entry) return;
    state.entries.delete(pendingKey);
    if (state.entries.has(`m:${message.id}`)) {
      timelineList.remove(entry);
      return;
    }
    state.messages.set(message.id, message);
    fillMessage(entry, message);
    state.entries.set(`m:${message.id}`, entry);
    timelineList.place(entry);
  }

  /** Replies never acknowledged are sent again with the same client_id after a reconnect. */
  function resendPending() {
    for (const item of state.pending.values()) {
      if (item.status !== "sending") continue;
      renderPending(item); // "Waiting for connection" becomes "Sending"
      emitReply(item);
    }
  }

  function onLocalTyping() {
    const conversationId = state.selectedId;
    if (!conversationId) return;
    if (dom.replyInput.value === "") {
      stopLocalTyping();
      return;
    }
    const t = state.typing;
    const now = Date.now();
    if (!t.active || t.conversationId !== conversationId || now - t.lastEmit > TYPING_THROTTLE_MS) {
      if (emitNow("typing", { conversation_id: conversationId, typing: true })) {
        t.active = true;
        t.conversationId = conversationId;
        t.lastEmit = now;
      }
    }
    clearTimeout(t.idleTimer);
    t.idleTimer = setTimeout(stopLocalTyping, TYPING_IDLE_MS);
  }

  function stopLocalTyping() {
    const t = state.typing;
    clearTimeout(t.idleTimer);
    if (!t.active) return;
    t.active = false;
    emitNow("typing", { conversation_id: t.conversationId, typing: false });
  }

  function closeConversation() {
    const conversationId = state.selectedId;
    if (!conversationId) return;
    dom.closeButton.disabled = true;
    showConversationError("");
    const sent = emitNow("close", { conversation_id: conversationId }, (ack) => {
      if (!ack || ack.error) {
        dom.closeButton.disabled = false;
        showConversationError((ack && ack.error && ack.error.message) || "The conversation could not be closed.");
        return;
      }
      if (ack.conversation) upsertConversation(ack.conversation);
      markClosed(conversationId);
      announce("Conversation closed.");
    });
    if (!sent) {
      dom.closeButton.disabled = false;
      showConversationError("Not connected. Try again in a moment.");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Wiring
  // ---------------------------------------------------------------------------------------

  function wireUi() {
    dom.loginForm.addEventListener("submit", onLoginSubmit);
    dom.logout.addEventListener("click", onLogout);
    dom.presence.addEventListener("change", () => {
      emitPresence(dom.presence.value);
      renderOffersMeta();
    });
    dom.back.addEventListener("click", () => {
      setView("list");
      if (state.selectedId) focusConversationItem(state.selectedId);
    });
    dom.closeButton.addEventListener("click", closeConversation);
    dom.replyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      sendReply();
    });
    dom.replyInput.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter (and Enter while an IME is composing) inserts a newline.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendReply();
      }
    });
    dom.replyInput.addEventListener("input", onLocalTyping);
  }

  boot();
})();
