/**
 * A voicemail the client left (a customer message with data.voicemail {duration_seconds,
 * transcription: pending|completed|failed}): "Voicemail · 17 s", the recording to play (and
 * download) once the hub has it, and its transcript, "Transcribing…" until it is ready. The
 * recording is at /api/attachments/{id} on our own origin; the session cookie authorises it.
 */
import { el } from "../shared/dom.js";
import { formatDuration } from "../shared/time.js";

const TEXT = {
  title: (duration) => (duration ? `Voicemail \u00b7 ${duration}` : "Voicemail"),
  loading: "Recording loading\u2026",
  failed: "The recording could not be fetched.",
  download: "Download the recording",
  transcript: "Transcript",
  transcribing: "Transcribing\u2026",
  noTranscript: "No transcript could be made.",
  empty: "No words were recognised.",
};

/** The voicemail a message carries, or null. */
export function voicemailOf(message) {
  const voicemail = message && message.data && message.data.voicemail;
  return voicemail && typeof voicemail === "object" ? voicemail : null;
}

function recording(attachment) {
  if (!attachment) return null;
  if (attachment.status === "failed") return el("p", { className: "attach-note attach-failed", text: TEXT.failed });
  if (attachment.status && attachment.status !== "ready")
    return el("p", { className: "attach-note attach-pending", text: TEXT.loading });
  const url = `/api/attachments/${encodeURIComponent(attachment.id)}`;
  return el("div", { className: "voicemail-audio" }, [
    el("audio", { attrs: { controls: "", preload: "none", src: url, "data-testid": "voicemail-audio" } }),
    el("a", {
      className: "attach-download",
      text: TEXT.download,
      attrs: { href: url, download: "", "data-testid": "message-download" },
    }),
  ]);
}

function transcript(voicemail, text) {
  const status = voicemail.transcription || (text ? "completed" : "pending");
  let shown = text;
  if (status === "pending") shown = TEXT.transcribing;
  else if (status === "failed") shown = TEXT.noTranscript;
  else if (!text) shown = TEXT.empty;
  return el(
    "p",
    {
      className: "attach-transcript voicemail-transcript",
      attrs: { "data-testid": "voicemail-transcript", "data-status": status },
    },
    [el("span", { className: "sr-only", text: `${TEXT.transcript}: ` }), document.createTextNode(shown)],
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
        text: TEXT.title(duration),
        attrs: { "data-testid": "voicemail-title" },
      }),
      recording(audio),
      transcript(voicemail, text),
    ].filter(Boolean),
  );
}
