/*
 * The console's full-width views (Insights, My clients, Administration) take the workspace's
 * place one at a time: opening one closes the others and the workspace's own boards.
 */
const views = new Map();

/** `close` leaves the view; called when another view opens or on sign-out. */
export function registerView(name, close) {
  views.set(name, close);
}

/** Call before showing view `name`: every other registered view closes. */
export function openingView(name) {
  for (const [other, close] of views) if (other !== name) close();
}

/** Leave every view (sign-out, or the calendar/queue board taking the workspace back). */
export function closeAllViews() {
  for (const close of views.values()) close();
}
