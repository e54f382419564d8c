/**
 * Sending a file in a web chat: the "Attach a file" button in #composer-tools opens the file
 * picker (images and PDF); the file goes up to /api/conversations/{id}/attachments with a
 * progress line, then leaves as a reply with whatever is typed (replies.js sendFiles). The
 * hub judges the file by its bytes; its refusals (too large, not an image or a PDF) are shown
 * beside the button. Other channels cannot carry our files: the button is off there.
 */
import { readCookie } from "../shared/cookies.js";
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { repliesAllowed } from "./composer-gate.js";
import { dom } from "./elements.js";
import { forgetAttachmentBlobs } from "./image-viewer.js";
import { sendFiles } from "./replies.js";
import { state } from "./state.js";

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf";
const parts = {}; // attach (button), input, status, bar, text — built by wireReplyAttachments
let uploading = null; // the XMLHttpRequest under way

const REFUSED = {
  409: () => t("attach.webchatOnly"),
  413: () => t("attach.tooLarge"),
  415: () => t("attach.unsupported"),
};

function upload(conversationId, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    uploading = request;
    request.open("POST", `/api/conversations/${encodeURIComponent(conversationId)}/attachments`);
    const csrf = readCookie("hub_csrf");
    if (csrf) request.setRequestHeader("X-CSRF-Token", csrf);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    const fail = (status, message) => reject(Object.assign(new Error(message || "upload failed"), { status }));
    request.addEventListener("load", () => {
      const body = request.response;
      if (request.status === 201 && body && body.attachment) resolve(body.attachment);
      else fail(request.status, body && body.error && body.error.message);
    });
    request.addEventListener("error", () => fail(0));
    request.addEventListener("abort", () => fail(-1));
    request.addEventListener("loadend", () => {
      if (uploading === request) uploading = null;
    });
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

function showStatus(stateName, text, percent) {
  parts.status.hidden = false;
  parts.status.dataset.state = stateName;
  parts.status.setAttribute("role", stateName === "failed" ? "alert" : "status");
  parts.text.textContent = text;
  parts.bar.hidden = percent === undefined;
  if (percent !== undefined) parts.bar.value = percent;
}

function clearStatus() {
  parts.status.hidden = true;
  delete parts.status.dataset.state;
  parts.text.textContent = "";
}

/** Whether a file can go into the open conversation now. */
function canAttach() {
  const conversation = state.conversations.get(state.selectedId);
  return Boolean(conversation && conversation.channel === "webchat" && repliesAllowed());
}

async function sendFile(file) {
  const conversationId = state.selectedId;
  if (!conversationId || !canAttach()) return;
  parts.attach.disabled = true;
  showStatus("uploading", t("attach.uploading", { name: file.name, percent: 0 }), 0);
  try {
    const attachment = await upload(conversationId, file, (percent) =>
      showStatus("uploading", t("attach.uploading", { name: file.name, percent }), percent),
    );
    clearStatus();
    sendFiles(conversationId, [attachment]);
  } catch (error) {
    if (error.status === -1) clearStatus(); // cancelled: we moved on
    else showStatus("failed", (REFUSED[error.status] || (() => error.message || t("attach.failed")))());
  } finally {
    parts.attach.disabled = !canAttach();
  }
}

/** Once, when the page loads: the button, the hidden file picker and the progress line. */
export function wireReplyAttachments() {
  const tools = document.getElementById("composer-tools");
  const attach = button(t("attach.button"), "button button-quiet composer-tool attach-button", "reply-attach");
  const input = el("input", {
    className: "attach-input",
    attrs: { type: "file", accept: ACCEPT, tabindex: "-1", "aria-hidden": "true", "data-testid": "reply-file" },
  });
  const text = el("span", { className: "attach-upload-text" });
  const bar = el("progress", { className: "attach-upload-bar", attrs: { max: "100", value: "0" } });
  const status = el("p", { className: "attach-upload", attrs: { "data-testid": "reply-upload", "aria-live": "polite" } }, [
    text,
    bar,
  ]);
  status.hidden = true;
  attach.addEventListener("click", () => {
    if (canAttach()) input.click();
    else showStatus("failed", t("attach.webchatOnly"));
  });
  input.addEventListener("change", () => {
    const [file] = input.files || [];
    input.value = ""; // the same file may be chosen again
    if (file) sendFile(file);
  });
  tools.append(attach, input, status);
  Object.assign(parts, { attach, input, status, bar, text });
}

/** After sign-in (state.staff is known). */
export function setupReplyAttachments() {
  clearStatus();
}

/** On sign-out: forget everything of the last session. */
export function resetReplyAttachments() {
  if (uploading) uploading.abort();
  clearStatus();
  forgetAttachmentBlobs();
}
