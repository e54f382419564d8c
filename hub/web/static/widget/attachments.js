/**
 * Files in the conversation, the shopper's and the ambassador's: images as thumbnails (full
 * size in a new tab), PDFs as a download. The hub serves a file only with the visitor token in
 * the Authorization header (never in a URL, where logs and referrers would keep it), so each is
 * fetched once and shown from a blob: URL, revoked when the page goes away.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { config } from "./config.js";
import { getToken } from "./storage.js";

const blobs = new Map(); // attachment id -> Promise of a blob: URL

/** The file's bytes as a blob: URL of this page, fetched once per attachment. */
export function blobUrl(attachment) {
  if (!blobs.has(attachment.id)) {
    const url = `${config.hubBase}/api/attachments/${encodeURIComponent(attachment.id)}`;
    const loading = fetch(url, { headers: { Authorization: `Bearer ${getToken()}` }, credentials: "omit" })
      .then((response) => {
        if (!response.ok) throw new Error(`attachment ${response.status}`);
        return response.blob();
      })
      .then((blob) => URL.createObjectURL(blob));
    loading.catch(() => blobs.delete(attachment.id)); // a later render may try again
    blobs.set(attachment.id, loading);
  }
  return blobs.get(attachment.id);
}

/** Frees every blob: URL (the page is going away, or the conversation belongs to someone else). */
export function forgetFiles() {
  for (const loading of blobs.values()) loading.then((url) => URL.revokeObjectURL(url), () => {});
  blobs.clear();
}

/** "12 KB", "1.4 MB". */
export function sizeText(bytes) {
  const size = Number(bytes) || 0;
  if (size < 1024 * 1024) return t("widget.attach.kilobytes", { size: Math.max(1, Math.round(size / 1024)) });
  return t("widget.attach.megabytes", { size: (size / (1024 * 1024)).toFixed(1) });
}

function imageItem(attachment) {
  const name = attachment.filename || t("widget.attach.photo");
  const image = el("img", { className: "cw-thumb", attrs: { alt: name, "data-testid": "chat-attachment-image" } });
  const link = el(
    "a",
    {
      className: "cw-thumb-link",
      attrs: { target: "_blank", rel: "noopener noreferrer", "aria-label": t("widget.attach.open", { name }) },
    },
    [image],
  );
  blobUrl(attachment).then(
    (url) => {
      image.src = url;
      link.href = url;
    },
    () => link.replaceWith(el("p", { className: "cw-file-missing", text: t("widget.attach.unavailable", { name }) })),
  );
  return el("li", { className: "cw-file cw-file--image" }, [link]);
}

/** A download: the bytes are fetched on the first click, then saved under the file's name. */
function fileItem(attachment) {
  const name = attachment.filename || "document.pdf";
  const link = el("button", {
    className: "cw-file-link",
    text: t("widget.attach.download", { name, size: sizeText(attachment.size) }),
    attrs: { type: "button", "data-testid": "chat-attachment-file" },
  });
  link.addEventListener("click", async () => {
    try {
      const save = el("a", { attrs: { href: await blobUrl(attachment), download: name } });
      document.body.appendChild(save);
      save.click();
      save.remove();
    } catch (_error) {
      link.textContent = t("widget.attach.unavailable", { name });
    }
  });
  return el("li", { className: "cw-file cw-file--pdf" }, [link]);
}

/** The files of a message (data.attachments, or an outgoing one's), or null when none. */
export function fileList(attachments) {
  const items = (Array.isArray(attachments) ? attachments : []).filter((a) => a && typeof a.id === "string");
  if (items.length === 0) return null;
  return el(
    "ul",
    { className: "cw-files", attrs: { "data-testid": "chat-attachments" } },
    items.map((a) => (a.kind === "image" ? imageItem(a) : fileItem(a))),
  );
}

/** Shows a message's files in its bubble, under its text (the bubble was just filled). */
export function showFiles(entry, attachments) {
  const list = fileList(attachments);
  if (list) entry.bubble.appendChild(list);
  entry.bubble.classList.toggle("cw-bubble--files", Boolean(list));
}

window.addEventListener("pagehide", forgetFiles);
