/**
 * The dashboard's two requests: the figures (`GET /api/insights`) and a chart's figures as a
 * CSV file (`GET /api/insights.csv?chart=…`). Both carry the session cookie; the file is
 * fetched rather than linked so a refusal (signed out, not a manager) is told on screen
 * instead of being saved as a file.
 */
import { t } from "../shared/i18n.js";
import { ApiError, api } from "./api.js";

const REVOKE_AFTER_MS = 40000;

export const fetchInsights = (params) => api("GET", `/api/insights?${params}`);

/** The name the hub gives the attachment, else one built from the query. */
function fileName(response, chart, params) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
  if (match) return decodeURIComponent(match[1]);
  return `insights-${chart}-${params.get("from")}-${params.get("to")}.csv`;
}

async function failure(response) {
  let error = {};
  try {
    error = ((await response.json()) || {}).error || {};
  } catch (_err) {
    error = {};
  }
  const message = error.message || t("insights.csv.failed", { status: response.status });
  return new ApiError(response.status, error.code || `http_${response.status}`, message, error);
}

/** Fetches the CSV of one chart (groups | daily | sales) for the same filters and saves it. */
export async function downloadCsv(chart, params) {
  const query = new URLSearchParams(params);
  query.set("chart", chart);
  let response;
  try {
    response = await fetch(`/api/insights.csv?${query}`, { credentials: "same-origin", headers: { Accept: "text/csv" } });
  } catch (_err) {
    throw new ApiError(0, "network", t("insights.csv.unreachable"));
  }
  if (!response.ok) throw await failure(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName(response, chart, query);
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the save in some browsers; FileSaver.js waits 40 s too.
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
