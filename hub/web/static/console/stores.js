/**
 * The boutiques as the booking side describes them (`GET /api/stores`: code, name, time
 * zone, appointment types), fetched once per session; a failed fetch is tried again next time.
 */
import { api } from "./api.js";
import { state } from "./state.js";

let loading = null;

/** code -> store, for every boutique (the hub lists all of them; we pick ours). */
export function loadStores() {
  if (!loading) {
    loading = api("GET", "/api/stores")
      .then((list) => new Map((Array.isArray(list) ? list : []).map((store) => [store.code, store])))
      .catch((err) => {
        loading = null;
        throw err;
      });
  }
  return loading;
}

/** The signed-in staff member's boutiques, in the order /api/me lists them. */
export async function myStores() {
  const stores = await loadStores();
  const codes = (state.staff && state.staff.stores) || [];
  return codes.map((code) => stores.get(code)).filter(Boolean);
}

/** Signed out: the next session fetches afresh. */
export function forgetStores() {
  loading = null;
}
