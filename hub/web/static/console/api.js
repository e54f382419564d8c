/**
 * The hub's HTTP API. The session lives in an HttpOnly cookie; every non-GET request echoes
 * the readable hub_csrf cookie in X-CSRF-Token. Failures arrive as ApiError.
 */
import { readCookie } from "../shared/cookies.js";
import { t } from "../shared/i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export async function api(method, path, body) {
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
    throw new ApiError(0, "network", t("errors.network"));
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
    const message = error.message || t("errors.http", { status: response.status });
    throw new ApiError(response.status, error.code || `http_${response.status}`, message, error);
  }
  return data;
}
