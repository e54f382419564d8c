/**
 * The daily POS import, for store managers, inside the live-queue view: upload the file,
 * watch progress pushed by the hub (`import_progress`), read the summary (`import_done`).
 * The file streams to the hub; nothing of it is parsed here.
 */
import { readCookie } from "../shared/cookies.js";
import { el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";

const parts = {};

const count = (n) => formatNumber(Number(n) || 0);

function summaryLine(result) {
  if (result.status !== "done") {
    return t("pos.failed", { reason: (result.error && result.error.message) || t("pos.unknownError") });
  }
  const s = result.summary || {};
  const values = {
    file: result.filename,
    rows: count(s.rows_read),
    imported: count(s.imported),
    duplicate: count(s.duplicate),
    failed: count(s.failed),
    warnings: count(s.warnings),
  };
  return s.dry_run ? t("pos.summaryDryRun", values) : t("pos.summaryImported", values);
}

async function upload(event) {
  event.preventDefault();
  const file = parts.input.files && parts.input.files[0];
  if (!file) {
    showText(parts.status, t("pos.chooseFile"));
    return;
  }
  const data = new FormData();
  data.append("file", file, file.name);
  data.append("dry_run", parts.dryRun.checked ? "true" : "false");
  parts.button.disabled = true;
  parts.progress.value = 0;
  parts.progress.hidden = false;
  showText(parts.status, t("pos.uploading", { file: file.name }));
  try {
    const response = await fetch("/api/imports", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": readCookie("hub_csrf") || "", Accept: "application/json" },
      body: data,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.error && body.error.message) || t("errors.http", { status: response.status }));
    parts.job = body.job_id;
    showText(parts.status, t("pos.importing", { file: body.filename }));
  } catch (err) {
    parts.button.disabled = false;
    parts.progress.hidden = true;
    showText(parts.status, t("pos.uploadFailed", { reason: err.message }));
  }
}

/** `import_progress {job_id, rows_read, fraction}` from the hub. */
export function onImportProgress(payload) {
  if (!parts.form || !payload || payload.job_id !== parts.job) return;
  if (typeof payload.fraction === "number") parts.progress.value = payload.fraction;
  showText(parts.status, t("pos.progress", { rows: count(payload.rows_read) }));
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
    text: t("pos.import"),
    attrs: { type: "submit", "data-testid": "pos-import" },
  });
  parts.progress = el("progress", { attrs: { max: "1", value: "0", "data-testid": "pos-progress" } });
  parts.progress.hidden = true;
  parts.status = el("p", { className: "board-import-status", attrs: { role: "status", "data-testid": "pos-status" } });
  parts.form = el("form", { className: "board-import", attrs: { "data-testid": "pos-upload" } }, [
    el("h3", { text: t("pos.title") }),
    parts.input,
    el("label", { className: "board-import-dry" }, [parts.dryRun, el("span", { text: ` ${t("pos.dryRun")}` })]),
    parts.button,
    parts.progress,
    parts.status,
  ]);
  parts.form.addEventListener("submit", upload);
  return parts.form;
}
