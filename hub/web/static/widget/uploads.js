/**
 * Sending a file: the paperclip beside the message field opens the file picker (photos and
 * PDFs); the file goes up to the hub with a progress line, then leaves as a message with
 * whatever is typed in the field. A refusal (too large, not a photo or PDF) is said in the
 * shopper's language beside the field and nothing is sent.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { sizeText } from "./attachments.js";
import { sendFiles } from "./composer.js";
import { config } from "./config.js";
import { ensureConnected } from "./connection.js";
import { getToken } from "./storage.js";
import { ui } from "./ui.js";

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf";
const MAX_BYTES = 10 * 1024 * 1024; // the hub's default; the hub has the last word

const REFUSED = {
  413: () => t("widget.attach.tooLarge", { size: sizeText(MAX_BYTES) }),
  415: () => t("widget.attach.unsupported"),
  429: () => t("widget.attach.tooMany"),
};

/** POST the file as multipart/form-data; XMLHttpRequest because fetch reports no upload progress. */
function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `${config.hubBase}/api/webchat/attachments`);
    request.setRequestHeader("Authorization", `Bearer ${getToken()}`);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    request.addEventListener("load", () => {
      const body = request.response;
      if (request.status === 201 && body && body.attachment) resolve(body.attachment);
      else reject(Object.assign(new Error("upload refused"), { status: request.status }));
    });
    request.addEventListener("error", () => reject(Object.assign(new Error("upload failed"), { status: 0 })));
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

function showProgress(name, percent) {
  ui.uploadStatus.hidden = false;
  ui.uploadStatus.dataset.state = "uploading";
  ui.uploadStatus.setAttribute("role", "status");
  ui.uploadText.textContent = t("widget.attach.uploading", { name, percent });
  ui.uploadBar.hidden = false;
  ui.uploadBar.value = percent;
}

function showRefusal(text) {
  ui.uploadStatus.hidden = false;
  ui.uploadStatus.dataset.state = "failed";
  ui.uploadStatus.setAttribute("role", "alert");
  ui.uploadText.textContent = text;
  ui.uploadBar.hidden = true;
}

function clearStatus() {
  ui.uploadStatus.hidden = true;
  delete ui.uploadStatus.dataset.state;
  ui.uploadText.textContent = "";
}

async function sendFile(file) {
  if (file.size > MAX_BYTES) {
    showRefusal(REFUSED[413]());
    return;
  }
  ui.attach.disabled = true;
  showProgress(file.name, 0);
  try {
    if (!getToken()) await ensureConnected(); // creates the visitor token
    if (!getToken()) throw Object.assign(new Error("no visitor token"), { status: 0 });
    const attachment = await upload(file, (percent) => showProgress(file.name, percent));
    clearStatus();
    sendFiles([attachment]);
  } catch (error) {
    const refused = REFUSED[error && error.status];
    showRefusal(refused ? refused() : t("widget.attach.failed"));
  } finally {
    ui.attach.disabled = false;
  }
}

/** The paperclip drawn as an SVG built node by node (no markup, no image request). */
function paperclip() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M21 11.5 12.4 20a5.5 5.5 0 0 1-7.8-7.8l8.9-8.8a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.8a1.8 1.8 0 0 1-2.6-2.6L15.4 6.6");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linecap", "round");
  svg.appendChild(path);
  return el("span", { className: "cw-attach-icon", attrs: { "aria-hidden": "true" } }, [svg]);
}

/** The paperclip, the hidden file picker and the progress line, in the composer form. */
export function attachUploads() {
  const input = el("input", {
    className: "cw-file-input",
    attrs: { type: "file", accept: ACCEPT, tabindex: "-1", "aria-hidden": "true", "data-testid": "chat-file" },
  });
  const attach = el(
    "button",
    {
      className: "cw-attach",
      attrs: { type: "button", "aria-label": t("widget.attach.label"), title: t("widget.attach.label"), "data-testid": "chat-attach" },
    },
    [paperclip()],
  );
  const uploadText = el("span", { className: "cw-upload-text" });
  const uploadBar = el("progress", { className: "cw-upload-bar", attrs: { max: "100", value: "0" } });
  const uploadStatus = el("p", { className: "cw-upload", attrs: { "data-testid": "chat-upload", "aria-live": "polite" } }, [
    uploadText,
    uploadBar,
  ]);
  uploadStatus.hidden = true;
  attach.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const [file] = input.files || [];
    input.value = ""; // the same file may be chosen again
    if (file) sendFile(file);
  });
  ui.form.insertBefore(attach, ui.send);
  ui.form.appendChild(input);
  ui.form.parentNode.insertBefore(uploadStatus, ui.form);
  Object.assign(ui, { attach, uploadStatus, uploadText, uploadBar });
}
