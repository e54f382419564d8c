/**
 * Getting connected: the visitor token (created by the hub on first use), the socket.io
 * client (loaded on demand from the hub), and the /shopper socket. The token travels only in
 * the socket.io auth payload or in storage: never in a URL, never in the browser console.
 */
import { readCookie } from "../shared/cookies.js";
import { el } from "../shared/dom.js";
import { backoff, reconnectIfDropped, retryRejected } from "../shared/reconnect.js";
import { conversationClosed, forgetConversation } from "./about-you.js";
import { flushOutbox, localTyping } from "./composer.js";
import { config } from "./config.js";
import { hideRemoteTyping, onLiveMessage, requestHistory, showRemoteTyping } from "./incoming.js";
import { clearConversation } from "./messages.js";
import { setConn, setStatus } from "./panel.js";
import { state } from "./state.js";
import { dropToken, getToken, readOutbox, setToken } from "./storage.js";

const delays = backoff();

async function createVisitor() {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  // A page served by the hub itself carries the hub's cookies: echo the CSRF cookie then.
  const csrf = new URL(config.hubBase).origin === window.location.origin ? readCookie("hub_csrf") : null;
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(`${config.hubBase}/api/visitors`, { method: "POST", headers, body: "{}" });
  if (!response.ok) throw new Error(`visitor creation failed (${response.status})`);
  const body = await response.json();
  if (!body || !body.visitor_token) throw new Error("visitor creation returned no token");
  setToken(body.visitor_token);
}

/** socket.io's client is a classic script defining window.io; the hub serves it. */
function loadSocketIo() {
  if (typeof window.io === "function") return Promise.resolve(window.io);
  return new Promise((resolve, reject) => {
    const script = el("script", { attrs: { src: `${config.staticBase}vendor/socket.io.min.js`, async: "" } });
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
  const auth = { visitor_token: getToken(), language: config.language };
  if (config.store) auth.store = config.store;
  cb(auth);
}

export function ensureConnected() {
  if (state.socket) {
    if (!state.socket.connected && !state.socket.active) state.socket.connect();
    return Promise.resolve();
  }
  if (state.connecting) return state.connecting;
  setConn("connecting");
  state.connecting = (async () => {
    const io = await loadSocketIo();
    if (!getToken()) await createVisitor();
    const hub = new URL(config.hubBase);
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
  setTimeout(() => {
    if (state.open || readOutbox().length) ensureConnected();
  }, delays.next());
}

function wireSocket(socket) {
  socket.on("connect", onConnect);
  socket.on("connect_error", onConnectError);
  socket.on("disconnect", (reason) => {
    localTyping.forget();
    hideRemoteTyping();
    setConn("reconnecting");
    reconnectIfDropped(socket, reason);
  });
  socket.on("message", onLiveMessage);
  socket.on("typing", showRemoteTyping);
  socket.on("assigned", (payload) => {
    const name = payload && payload.ambassador ? payload.ambassador.name : null;
    setStatus({ kind: "assigned", name });
  });
  socket.on("queue", (payload) => {
    const data = payload || {};
    setStatus({
      kind: "queue",
      position: data.position,
      eta: Number(data.eta_seconds) || 0,
      // The team is not available: the widget offers other ways (widget/offline.js).
      offline: data.offline === true,
      options: Array.isArray(data.options) ? data.options : [],
    });
  });
  socket.on("closed", () => {
    hideRemoteTyping();
    setStatus({ kind: "closed" });
    conversationClosed();
  });
}

function onConnect() {
  state.authRetried = false;
  delays.reset();
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
    forgetConversation();
    try {
      await createVisitor();
      socket.connect();
    } catch (_e) {
      setConn("failed");
    }
    return;
  }
  setConn("reconnecting");
  retryRejected(socket, delays);
}
