/**
 * An appointment as the shopper reads it (the confirmation and the manage page): what,
 * when (the store's time and, if it differs, theirs), where (the boutique's address or
 * the video link) and with whom.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { appointmentTime, durationText } from "./times.js";

/** Only a web address may become a link: never javascript: or data:. */
function webUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (_err) {
    return null;
  }
}

function row(term, parts, testid) {
  return el("div", { className: "card-row", attrs: { "data-testid": testid } }, [
    el("dt", { text: term }),
    el("dd", {}, parts),
  ]);
}

function line(text, className, testid) {
  if (!text) return null;
  return el("span", { className: `card-line ${className || ""}`.trim(), text, attrs: { "data-testid": testid } });
}

function whenParts(appointment) {
  const time = appointmentTime(appointment.start, appointment.end, appointment.store.timezone);
  let yours = "";
  if (time.yourTime) {
    yours = time.yourDay === time.day ? time.yourTime : t("book.dayAndTime", { day: time.yourDay, time: time.yourTime });
  }
  return [
    line(time.day, "card-day", "appointment-day"),
    line(time.time, "card-time", "appointment-time"),
    line(yours, "card-yours", "appointment-your-time"),
  ];
}

function whereParts(appointment) {
  if (appointment.kind !== "virtual") {
    const address = (appointment.address || appointment.store.address || "").split("\n");
    return [line(appointment.store.name, "card-store"), ...address.map((part) => line(part.trim(), "card-address"))];
  }
  const href = appointment.video_url ? webUrl(appointment.video_url) : null;
  if (!href) return [line(t("book.videoPending"), "", "appointment-video")];
  return [
    line(t("book.videoReady")),
    el("a", {
      className: "card-link",
      text: t("book.joinVideo"),
      attrs: { href, target: "_blank", rel: "noopener noreferrer", "data-testid": "appointment-video" },
    }),
  ];
}

/** The card for an appointment payload from the hub. */
export function appointmentCard(appointment) {
  const type = appointment.type || {};
  const ambassador = appointment.ambassador && appointment.ambassador.name;
  return el("div", { className: "card", attrs: { "data-testid": "appointment" } }, [
    el("p", { className: "card-title" }, [
      el("span", { text: type.name || "" }),
      type.duration_minutes
        ? el("span", { className: "card-duration", text: ` · ${durationText(type.duration_minutes)}` })
        : null,
    ]),
    el("dl", { className: "card-details" }, [
      row(t("book.when"), whenParts(appointment), "appointment-when"),
      row(t("book.where"), whereParts(appointment), "appointment-where"),
      ambassador ? row(t("book.with"), [line(ambassador)], "appointment-with") : null,
    ]),
  ]);
}
