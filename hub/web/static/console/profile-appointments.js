/**
 * The customer's appointments in the profile, next to their conversations: when (in the
 * boutique's zone), what, with whom, and how it stands (booked, completed, no-show,
 * cancelled). Latest first, as the hub lists them.
 */
import { el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { shortWhen, statusLabel, typeLine, withWhom, zoneOf } from "./appointment-text.js";
import { listSection } from "./profile-history.js";

const join = (parts) => parts.filter(Boolean).join(" \u00b7 ");

function appointmentItem(line) {
  return el(
    "li",
    {
      className: "profile-item",
      attrs: { "data-testid": "profile-appointment", "data-appointment-id": line.id, "data-status": line.status || "" },
    },
    [
      el("p", { className: "profile-item-top" }, [
        el("span", { className: "profile-item-title", text: shortWhen(line.start, zoneOf(line)) }),
        el("span", {
          className: "profile-status",
          attrs: { "data-status": line.status || "" },
          text: statusLabel(line.status),
        }),
      ]),
      el("p", {
        className: "profile-item-meta",
        text: join([typeLine(line.type), withWhom(line.ambassador), line.store && line.store.code]),
      }),
    ],
  );
}

export const appointmentsSection = () =>
  listSection(t("profile.appointments"), "profile-appointments", t("appointment.none"), (p) => p.appointments, appointmentItem);
