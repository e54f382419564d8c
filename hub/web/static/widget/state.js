/** What the widget knows right now; one object, shared by its modules. */

export const state = {
  open: false,
  socket: null,
  connecting: null, // promise while socket.io is loading / the token is being created
  conn: "idle", // idle | connecting | connected | reconnecting | failed
  authRetried: false, // "unauthorized" gets exactly one fresh token
  status: { kind: "idle" }, // idle | queue (position, eta, offline, options) | assigned | closed
  unread: 0,
  // Ordering: seq is per conversation, so a new conversation after "closed" gets a new index.
  conversationOrder: new Map(),
  currentConversation: null,
  lastSeq: 0,
  byId: new Map(), // message id -> entry
  byClientId: new Map(), // client_id -> entry (sending or failed)
};
