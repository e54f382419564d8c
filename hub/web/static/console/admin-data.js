/**
 * What the Administration tabs share: the stores in the caller's reach (fetched once per
 * opening, again after a change), the signed-in person's powers, and dates written the
 * reader's way.
 */
import { formatDateTime } from "../shared/i18n.js";
import { api } from "./api.js";
import { state } from "./state.js";

let loading = null;

/** [Store] within reach, by code (`GET /api/admin/stores`). */
export function reachableStores() {
  if (!loading) {
    loading = api("GET", "/api/admin/stores")
      .then((answer) => (answer && Array.isArray(answer.stores) ? answer.stores : []))
      .catch((err) => {
        loading = null;
        throw err;
      });
  }
  return loading;
}

/** After a store was created or changed: the next reader fetches afresh. */
export function storesChanged() {
  loading = null;
}

/** [{value, label}] of the stores in reach, "CODE — Name". */
export async function storeOptions() {
  const stores = await reachableStores();
  return stores.map((store) => ({ value: store.code, label: `${store.code} — ${store.name}` }));
}

export const isAdmin = () => Boolean(state.staff && state.staff.role === "admin");
export const myId = () => (state.staff && state.staff.id) || null;

/** An instant on the reader's own clock, in their language's conventions. */
export function when(iso) {
  if (!iso) return "";
  return formatDateTime(iso, undefined);
}

/** Path segments are the user's text: always encoded. */
export const seg = (value) => encodeURIComponent(String(value));

export function forgetAdminData() {
  loading = null;
}
