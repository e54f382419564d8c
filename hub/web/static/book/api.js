/**
 * The booking API, as the page calls it: JSON in and out, no cookies (a shopper has no
 * session; a hold or an appointment is reached with its own token, sent as a bearer
 * header and never in a URL). Failures become an ApiError carrying the hub's error code,
 * the field it names and, for 429, when to try again.
 */
import { t } from "../shared/i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status; // 0: the request never reached the hub
    this.code = error.code || "";
    this.field = error.field || "";
    this.serverMessage = error.message || "";
  }

  get slotTaken() {
    return this.status === 409 && this.code === "slot_taken";
  }

  get holdGone() {
    return (this.status === 410 && this.code === "hold_expired") || this.code === "hold_not_found";
  }
}

/** fetch, returning {data, response}; throws ApiError for anything but 2xx. */
export async function send(path, { method = "GET", body, token, query, keepalive = false, accept } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: accept || "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      keepalive,
    });
  } catch (_err) {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => null));
  }
  return { response, data: response.status === 204 || accept ? null : await response.json() };
}

export async function api(path, options) {
  return (await send(path, options)).data;
}

/** What to tell the shopper about a failure that has no better place to be shown. */
export function problemText(error) {
  if (!(error instanceof ApiError)) return t("book.failed");
  if (error.status === 0) return t("book.offline");
  if (error.status === 429) return t("book.tooMany");
  if (error.slotTaken) return t("book.slotTaken");
  if (error.holdGone) return t("book.holdLapsed");
  if (error.status >= 500 || !error.serverMessage) return t("book.failed");
  const message = error.serverMessage;
  return message.charAt(0).toUpperCase() + message.slice(1) + (message.endsWith(".") ? "" : ".");
}
