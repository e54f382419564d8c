/**
 * One appointment in the calendar: its time (in the calendar's zone, and in its boutique's
 * when that differs), type, customer, status and ambassador; the video link of a virtual one;
 * links to its conversation and to the customer's profile; and, once it has started, how it
 * went ("Completed" or "No-show", `POST /api/appointments/{id}/outcome`).
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { inZone, statusLabel, typeLine, withWhom, zoneOf } from "./appointment-text.js";
import { fetchName, knownName } from "./customer-names.js";
import { sessionEnded } from "./session.js";
import { clockIn, clockRangeIn, instant, zoneLabel } from "./zoned-time.js";

const OUTCOMES = [
  ["completed", "calendar-completed"],
  ["no_show", "calendar-no-show"],
];

const isWebLink = (url) => typeof url === "string" && /^https?:\/\//i.test(url);

function customerLabel(line) {
  const contact = line.contact || {};
  return contact.name || knownName(line.customer_id, line.conversation_id) || "";
}

function timeLine(line, zone) {
  const start = instant(line.start);
  const end = instant(line.end);
  if (!start) return [el("span", { text: line.start || "" })];
  const main = el("span", { className: "calendar-clock", text: end ? clockRangeIn(start, end, zone) : clockIn(start, zone) });
  const own = zoneOf(line);
  if (own === zone) return [main];
  const local = inZone(clockIn(start, own), zoneLabel(own));
  return [main, el("span", { className: "calendar-other-zone", text: local })];
}

function links(line, actions) {
  const items = [];
  if (line.kind === "virtual" && isWebLink(line.video_url) && line.status === "booked") {
    items.push(
      el("a", {
        className: "calendar-link",
        text: t("calendar.video"),
        attrs: { href: line.video_url, target: "_blank", rel: "noopener", "data-testid": "calendar-video" },
      }),
    );
  }
  if (line.conversation_id) {
    const open = button(t("calendar.openConversation"), "calendar-link link-button", "calendar-open-conversation");
    open.addEventListener("click", () => actions.openConversation(line.conversation_id));
    items.push(open);
  }
  if (line.customer_id) {
    const profile = button(t("profile.title"), "calendar-link link-button", "calendar-open-profile");
    profile.addEventListener("click", () =>
      actions.openProfile({ id: line.customer_id, name: customerLabel(line) || undefined }),
    );
    items.push(profile);
  }
  return items.length ? el("p", { className: "calendar-links" }, items) : null;
}

async function recordOutcome(line, status, parts, actions) {
  for (const b of parts.outcomes) b.disabled = true;
  showText(parts.error, "");
  let saved;
  try {
    saved = await api("POST", `/api/appointments/${encodeURIComponent(line.id)}/outcome`, { status });
  } catch (err) {
    for (const b of parts.outcomes) b.disabled = false;
    if (err.status === 401) sessionEnded();
    else showText(parts.error, err.message || t("calendar.outcomeFailed")); // 409: not started yet, in the hub's words
    return;
  }
  const who = customerLabel(saved) || t("calendar.client");
  actions.updated(saved, t("calendar.outcomeRecorded", { who, status: statusLabel(saved.status) }));
}

function outcomeButtons(line, parts, actions) {
  const start = instant(line.start);
  if (!start || start > new Date() || !["booked", "completed", "no_show"].includes(line.status)) return null;
  parts.outcomes = OUTCOMES.map(([status, testid]) => {
    const b = button(statusLabel(status), "button button-outline calendar-outcome-button", testid);
    b.setAttribute("aria-pressed", String(line.status === status));
    b.addEventListener("click", () => {
      if (line.status !== status) recordOutcome(line, status, parts, actions);
    });
    return b;
  });
  const label = t("calendar.outcome");
  return el("div", { className: "calendar-outcome", attrs: { role: "group", "aria-label": label } }, parts.outcomes);
}

/**
 * An entry for line shown in zone; actions: {openConversation(id), openProfile(customer),
 * updated(line, announcement)} (updated: after an outcome was saved).
 */
export function calendarEntry(line, zone, actions) {
  const parts = { outcomes: [], error: null };
  const name = el("span", { className: "calendar-customer", text: customerLabel(line) || t("calendar.client") });
  if (!customerLabel(line) && line.customer_id) {
    fetchName(line.customer_id).then((found) => {
      if (found) name.textContent = found;
    });
  }
  parts.error = el("p", { className: "form-error calendar-error", attrs: { role: "alert", "data-testid": "calendar-outcome-error" } });
  parts.error.hidden = true;
  const meta = [typeLine(line.type), withWhom(line.ambassador), line.store && line.store.code].filter(Boolean).join(" \u00b7 ");
  return el(
    "li",
    {
      className: "calendar-entry",
      attrs: {
        "data-testid": "calendar-appointment",
        "data-appointment-id": line.id,
        "data-status": line.status,
        "data-kind": line.kind,
      },
    },
    [
      el("p", { className: "calendar-time" }, timeLine(line, zone)),
      el("div", { className: "calendar-main" }, [
        el("p", { className: "calendar-entry-top" }, [
          name,
          el("span", {
            className: "profile-status calendar-status",
            text: statusLabel(line.status),
            attrs: { "data-status": line.status, "data-testid": "calendar-status" },
          }),
        ]),
        el("p", { className: "calendar-meta", text: meta }),
        links(line, actions),
        outcomeButtons(line, parts, actions),
        parts.error,
      ]),
    ],
  );
}
