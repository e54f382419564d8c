/**
 * Files that came with a message (a WeChat image, voice note, video or file, fetched by the
 * hub in a job; an e-mail's attachments, kept as the mail arrived): a placeholder while
 * pending, a note when they could not be had, and once ready an image thumbnail (full size in
 * a dialog, console/image-viewer.js) or a download link. Web chat files (the shopper's and our
 * own) arrive ready. The bytes are at /api/attachments/{id} on our own origin, always served as
 * downloads: the session cookie authorises the download links, and images are fetched and shown
 * from blob: URLs.
 */
import { el } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { attachmentBlob, openImage } from "./image-viewer.js";

const NAMES = {
  image: () => t("message.kind.image"),
  voice: () => t("message.kind.voice"),
  video: () => t("message.kind.video"),
  file: () => t("message.kind.file"),
};

const TEXT = {
  failed: (name, channel) =>
    channel === "email" ? t("message.notKept", { name }) : t("message.notFetched", { name }),
  download: (what, details) => (details ? t("message.downloadDetails", { what, details }) : t("message.download", { what })),
};

const WHAT = {
  voice: () => t("message.what.voice"),
  video: () => t("message.what.video"),
  file: () => t("message.what.file"),
};

const attachmentUrl = (attachment) => `/api/attachments/${encodeURIComponent(attachment.id)}`;

/** "12 KB", "1.4 MB"; "" when the size is unknown. */
function formatSize(bytes) {
  const size = Number(bytes);
  if (!Number.isFinite(size) || size <= 0) return "";
  if (size < 1024) return t("message.size.bytes", { size: formatNumber(size) });
  if (size < 1024 * 1024) return t("message.size.kilobytes", { size: formatNumber(Math.round(size / 1024)) });
  const megabytes = formatNumber(size / (1024 * 1024), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return t("message.size.megabytes", { size: megabytes });
}

/** "AMR, 12 KB" from the file name's extension and the size, whichever are known. */
function fileDetails(attachment) {
  const name = typeof attachment.filename === "string" ? attachment.filename : "";
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toUpperCase().slice(0, 8) : "";
  return [extension, formatSize(attachment.size)].filter(Boolean).join(", ");
}

function imageThumbnail(attachment) {
  const name = attachment.filename || t("message.kind.image");
  const alt = attachment.fromClient ? t("message.openFull") : t("attach.ownImage", { name });
  const image = el("img", { className: "attach-image", attrs: { alt, "data-testid": "message-image" } });
  const open = el("button", { className: "attach-image-link", attrs: { type: "button", "data-testid": "message-image-open" } }, [
    image,
  ]);
  open.addEventListener("click", () => openImage(attachment, name, open));
  attachmentBlob(attachment).then(
    (url) => {
      image.src = url;
    },
    () => open.replaceWith(el("p", { className: "attach-note attach-failed", text: t("attach.unavailable") })),
  );
  return open;
}

function downloadLink(attachment) {
  const what =
    attachment.kind === "file" && attachment.filename ? attachment.filename : (WHAT[attachment.kind] || WHAT.file)();
  return el("a", {
    className: "attach-download",
    text: TEXT.download(what, fileDetails(attachment)),
    attrs: { href: attachmentUrl(attachment), download: "", "data-testid": "message-download" },
  });
}

/** What the ambassador can do with a file that has arrived. */
function readyBody(attachment) {
  if (attachment.kind === "image") return imageThumbnail(attachment);
  return downloadLink(attachment); // browsers cannot play WeChat's AMR voice notes
}

function statusBody(attachment, name, channel) {
  if (attachment.status === "failed") {
    return el("p", { className: "attach-note attach-failed", text: TEXT.failed(name, channel) });
  }
  if (attachment.status === "ready") return readyBody(attachment);
  return el("p", { className: "attach-note attach-pending", text: t("message.loading", { name }) });
}

function transcriptBlock(transcript) {
  return el("p", { className: "attach-transcript", attrs: { "data-testid": "message-transcript" } }, [
    el("span", { className: "sr-only", text: `${t("message.transcriptLabel")} ` }),
    document.createTextNode(transcript || t("message.noTranscript")),
  ]);
}

function attachmentItem(attachment, transcript, channel) {
  const kind = NAMES[attachment.kind] ? attachment.kind : "file";
  const name = NAMES[kind]();
  const parts = [];
  // An image speaks for itself; anything else says what it is first.
  if (kind !== "image") parts.push(el("p", { className: "attach-kind", text: name }));
  if (kind === "voice") parts.push(transcriptBlock(transcript));
  parts.push(statusBody({ ...attachment, kind }, name, channel));
  return el(
    "li",
    {
      className: `attach attach--${kind}`,
      attrs: { "data-testid": "message-attachment", "data-kind": kind, "data-status": attachment.status || "pending" },
    },
    parts,
  );
}

/** The list of a message's files, or null when it has none. */
export function attachmentList(message) {
  const data = (message && message.data) || {};
  const attachments = Array.isArray(data.attachments) ? data.attachments.filter((a) => a && a.id) : [];
  if (attachments.length === 0) return null;
  const transcript = typeof data.transcript === "string" ? data.transcript : "";
  const fromClient = Boolean(message.author && message.author.kind === "customer");
  const items = attachments.map((a) => attachmentItem({ ...a, fromClient }, transcript, message.channel));
  return el("ul", { className: "attach-list" }, items);
}
