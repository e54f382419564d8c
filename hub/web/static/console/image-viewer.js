/**
 * A message's image at full size, in a dialog over the console, with a download of the file.
 * The bytes come from /api/attachments/{id} once (the session cookie authorises the fetch) and
 * are shown from a blob: URL, the same one the thumbnail uses; every URL is revoked on sign-out
 * and when the page goes away.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

const blobs = new Map(); // attachment id -> Promise of a blob: URL
let viewer = null; // { dialog, title, image, download }, built on first use

/** The attachment's bytes as a blob: URL of this page, fetched once. */
export function attachmentBlob(attachment) {
  if (!blobs.has(attachment.id)) {
    const loading = fetch(`/api/attachments/${encodeURIComponent(attachment.id)}`, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`attachment ${response.status}`);
        return response.blob();
      })
      .then((blob) => URL.createObjectURL(blob));
    loading.catch(() => blobs.delete(attachment.id)); // the next render tries again
    blobs.set(attachment.id, loading);
  }
  return blobs.get(attachment.id);
}

/** Frees every blob: URL (sign-out, or the page is going away). */
export function forgetAttachmentBlobs() {
  for (const loading of blobs.values()) loading.then((url) => URL.revokeObjectURL(url), () => {});
  blobs.clear();
  if (viewer && viewer.dialog.open) viewer.dialog.close();
}

function buildViewer() {
  const title = el("h2", { className: "dialog-title image-viewer-title", attrs: { id: "image-viewer-title" } });
  const image = el("img", { className: "image-viewer-image", attrs: { "data-testid": "image-viewer-image", alt: "" } });
  const download = el("a", {
    className: "button button-quiet",
    text: t("attach.downloadImage"),
    attrs: { "data-testid": "image-viewer-download" },
  });
  const close = button(t("attach.closeViewer"), "button", "image-viewer-close");
  const dialog = el(
    "dialog",
    { className: "dialog image-viewer", attrs: { "aria-labelledby": "image-viewer-title", "data-testid": "image-viewer" } },
    [
      el("div", { className: "dialog-form" }, [
        title,
        el("div", { className: "image-viewer-frame" }, [image]),
        el("div", { className: "dialog-actions" }, [download, close]),
      ]),
    ],
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    download.removeAttribute("href");
  });
  document.body.appendChild(dialog);
  return { dialog, title, image, download };
}

/** Opens the image full size; ``opener`` gets the focus back when the dialog closes. */
export async function openImage(attachment, name, opener) {
  if (!viewer) viewer = buildViewer();
  const { dialog, title, image, download } = viewer;
  title.textContent = name;
  image.alt = name;
  download.setAttribute("download", attachment.filename || name);
  dialog.addEventListener("close", () => opener && opener.focus(), { once: true });
  dialog.showModal();
  try {
    const url = await attachmentBlob(attachment);
    image.src = url;
    download.href = url;
  } catch (_error) {
    title.textContent = t("attach.unavailable");
  }
}

window.addEventListener("pagehide", forgetAttachmentBlobs);
