/**
 * A voicemail the client left (a customer message with data.voicemail {duration_seconds,
 * transcription: pending|completed|failed}): "Voicemail · 17 s", the recording to play (and
 * download) once the hub has it, and its transcript, "Transcribing…" until it is ready. The
 * recording is at /api/attachments/{id} on our own origin; the session cookie authorises it.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { formatDuration } from "./formats.js";

const title = (duration) => (duration ? t("voicemail.titleDuration", { duration }) : t("voicemail.title"));

/** The voicemail a message carries, or null. */
export function voicemailOf(message) {
  const voicemail = message && message.data && message.data.voicemail;
  return voicemail && typeof voicemail === "object" ? voicemail : null;
}

function recording(attachment) {
  if (!attachment) return null;
  if (attachment.status === "failed") return el("p", { className: "attach-note attach-failed", text: t("voicemail.failed") });
  if (attachment.status && attachment.status !== "ready")
    return el("p", { className: "attach-note attach-pending", text: t("voicemail.loading") });
  const url = `/api/attachments/${encodeURIComponent(attachment.id)}`;
  return el("div", { className: "voicemail-audio" }, [
    el("audio", { attrs: { controls: "", preload: "none", src: url, "data-testid": "voicemail-audio" } }),
    el("a", {
      className: "attach-download",
      text: t("voicemail.download"),
      attrs: { href: url, download: "", "data-testid": "message-download" },
    }),
  ]);
}

function transcript(voicemail, text) {
  const status = voicemail.transcription || (text ? "completed" : "pending");
  let shown = text;
  if (status === "pending") shown = t("voicemail.transcribing");
  else if (status === "failed") shown = t("voicemail.noTranscript");
  else if (!text) shown = t("voicemail.empty");
  return el(
    "p",
    {
      className: "attach-transcript voicemail-transcript",
      attrs: { "data-testid": "voicemail-transcript", "data-status": status },
    },
    [el("span", { className: "sr-only", text: `${t("message.transcriptLabel")} ` }), document.createTextNode(shown)],
  );
}

/** The voicemail's card for a timeline bubble, or null when the message is not one. */
export function voicemailCard(message) {
  const voicemail = voicemailOf(message);
  if (!voicemail) return null;
  const data = message.data || {};
  const attachments = Array.isArray(data.attachments) ? data.attachments : [];
  const audio = attachments.find((a) => a && a.id && a.kind === "voice") || attachments.find((a) => a && a.id);
  const seconds = Number(voicemail.duration_seconds);
  const duration = Number.isFinite(seconds) && seconds > 0 ? formatDuration(seconds) : "";
  const text = typeof data.transcript === "string" ? data.transcript.trim() : "";
  return el(
    "div",
    { className: "voicemail", attrs: { "data-testid": "voicemail" } },
    [
      el("p", {
        className: "attach-kind voicemail-title",
        text: title(duration),
        attrs: { "data-testid": "voicemail-title" },
      }),
      recording(audio),
      transcript(voicemail, text),
    ].filter(Boolean),
  );
}
