/**
 * The confirmation: the appointment, "Add to calendar", and the manage link that lets the
 * shopper reschedule or cancel later without an account.
 */
import { problemText } from "./api.js";
import { appointmentCard } from "./appointment-card.js";
import { downloadCalendar } from "./calendar-file.js";
import { t } from "../shared/i18n.js";
import { alertText, announce, clearAlert, showStep } from "./view.js";

const byId = (id) => document.getElementById(id);
const card = byId("done-card");
const calendar = byId("done-calendar");
const manageLink = byId("done-manage-link");
const copy = byId("done-copy");

let booked = null; // {id, token}

/** The link as the hub built it (its public address), else on this page's origin. */
function manageUrl(result) {
  if (typeof result.manage_url === "string" && /^https?:\/\//.test(result.manage_url)) return result.manage_url;
  return `${window.location.origin}/book#manage=${result.id}.${result.manage_token}`;
}

export async function saveCalendar(appointmentId, token) {
  clearAlert();
  try {
    await downloadCalendar(appointmentId, token);
    announce(t("book.calendarSaved"));
  } catch (error) {
    alertText(problemText(error));
  }
}

export function wireConfirmation() {
  calendar.addEventListener("click", () => booked && saveCalendar(booked.id, booked.token));
  copy.hidden = !(navigator.clipboard && window.isSecureContext);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(manageLink.href);
      announce(t("book.linkCopied"));
    } catch (_err) {
      copy.hidden = true; // the link itself can still be copied by hand
    }
  });
}

/** result: the hub's 201 answer to POST /api/appointments. */
export function showConfirmation(result) {
  booked = { id: result.id, token: result.manage_token };
  card.replaceChildren(appointmentCard(result));
  manageLink.href = manageUrl(result);
  showStep("done");
  announce(t("book.confirmedBooked"));
}
