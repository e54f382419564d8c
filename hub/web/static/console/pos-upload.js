/**
 * The daily POS import, for store managers, inside the live-queue view: upload the file,
 * watch progress pushed by the hub (`import_progress`), read the summary (`import_done`).
 * The file streams to the hub; nothing of it is parsed here.
 */
import { readCookie } from "../shared/cookies.js";
import { el, showText } from "../shared/dom.js";

const parts = {};

function summaryLine(result) {
  if (result.status !== "done") {
    return `Import failed: ${(result.error && result.error.message) || "unknown error"}`;
  }
  const s = result.summary || {};
  const what = s.dry_run ? "Dry run" : "Imported";
  return `${what} ${result.filename}: ${s.rows_read} rows read, ${s.imported} imported, ` +
    `${s.duplicate} already known, ${s.failed} with errors, ${s.warnings} warnings.`;
}

async function upload(event) {
  event.preventDefault();
  const file = parts.input.files && parts.input.files[0];
  if (!file) {
    showText(parts.status, "Choose the POS export (.csv) first.");
    return;
  }
  const data = new FormData();
  data.append("file", file, file.name);
  data.append("dry_run", parts.dryRun.checked ? "true" : "false");
  parts.button.disabled = true;
  parts.progress.value = 0;
  parts.progress.hidden = false;
  showText(parts.status, `Uploading ${file.name}…`);
  try {
    const response = await fetch("/api/imports", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": readCookie("hub_csrf") || "", Accept: "application/json" },
      body: data,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.error && body.error.message) || `error ${response.status}`);
    parts.job = body.job_id;
    showText(parts.status, `Importing ${body.filename}…`);
  } catch (err) {
    parts.button.disabled = false;
    parts.progress.hidden = true;
    showText(parts.status, `Upload failed: ${err.message}`);
  }
}

/** `import_progress {job_id, rows_read, fraction}` from the hub. */
export function onImportProgress(payload) {
  if (!parts.form || !payload || payload.job_id !== parts.job) return;
  if (typeof payload.fraction === "number") parts.progress.value = payload.fraction;
  showText(parts.status, `Importing… ${payload.rows_read} rows read`);
}

/** `import_done {job_id, status, summary | error}`. */
export function onImportDone(payload) {
  if (!parts.form || !payload || payload.job_id !== parts.job) return;
  parts.job = null;
  parts.button.disabled = false;
  parts.progress.value = 1;
  showText(parts.status, summaryLine(payload));
}

/** The upload form, placed at the top of the live-queue view. */
export function posUploadSection() {
  if (parts.form) return parts.form;
  parts.input = el("input", { attrs: { type: "file", accept: ".csv,text/csv", "data-testid": "pos-file" } });
  parts.dryRun = el("input", { attrs: { type: "checkbox", "data-testid": "pos-dry-run" } });
  parts.button = el("button", {
    className: "button button-outline",
    text: "Import",
    attrs: { type: "submit", "data-testid": "pos-import" },
  });
  parts.progress = el("progress", { attrs: { max: "1", value: "0", "data-testid": "pos-progress" } });
  parts.progress.hidden = true;
  parts.status = el("p", { className: "board-import-status", attrs: { role: "status", "data-testid": "pos-status" } });
  parts.form = el("form", { className: "board-import", attrs: { "data-testid": "pos-upload" } }, [
    el("h3", { text: "Daily POS import" }),
    parts.input,
    el("label", { className: "board-import-dry" }, [parts.dryRun, el("span", { text: " Dry run (check only)" })]),
    parts.button,
    parts.progress,
    parts.status,
  ]);
  parts.form.addEventListener("submit", upload);
  return parts.form;
}
