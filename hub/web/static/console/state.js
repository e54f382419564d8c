/** What the console knows about the signed-in session; one object, shared by the modules. */

export const state = {
  staff: null,
  token: null, // from the login response; memory only, never logged
  socket: null,
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
  countdownTimer: null,
  refreshTimer: null,
};
