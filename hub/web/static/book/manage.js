/**
 * The manage page, reached by the link in the confirmation: see the appointment, move it
 * to another free time, cancel it, download it for a calendar. Every call carries the
 * manage token as a bearer header. A passed or cancelled appointment shows its state only.
 */
import { t } from "../shared/i18n.js";
import { api, problemText } from "./api.js";
import { appointmentCard } from "./appointment-card.js";
import { saveCalendar } from "./confirmation.js";
import { forgetManageLink } from "./manage-link.js";
import { createSlotPicker } from "./slot-picker.js";
import { startSentence } from "./times.js";
import { alertText, announce, clearAlert, showStep, view } from "./view.js";

const byId = (id) => document.getElementById(id);
const ui = {
  title: byId("step-manage-title"),
  status: byId("manage-status"),
  card: byId("manage-card"),
  actions: byId("manage-actions"),
  reschedule: byId("manage-reschedule"),
  cancel: byId("manage-cancel"),
  calendar: byId("manage-calendar"),
  cancelConfirm: byId("manage-cancel-confirm"),
  cancelQuestion: byId("manage-cancel-question"),
  cancelYes: byId("manage-cancel-yes"),
  cancelNo: byId("manage-cancel-no"),
  panel: byId("manage-reschedule-panel"),
  panelTitle: byId("manage-reschedule-title"),
  move: byId("manage-move"),
  moveQuestion: byId("manage-move-question"),
  moveYes: byId("manage-move-yes"),
  moveNo: byId("manage-move-no"),
  close: byId("manage-reschedule-close"),
};

const managed = { link: null, appointment: null, picker: null, start: null, wired: false };

const path = (suffix = "") => `/api/appointments/${encodeURIComponent(managed.link.id)}${suffix}`;

/** What the appointment's state is called; a state this page does not know shows as the hub names it. */
const STATE_TEXT = {
  booked: () => t("book.status.booked"),
  cancelled: () => t("book.status.cancelled"),
  completed: () => t("book.status.completed"),
  no_show: () => t("book.status.noShow"),
};

function stateText(appointment) {
  if (appointment.status === "booked" && !appointment.can_change) return t("book.status.passed");
  const text = STATE_TEXT[appointment.status];
  return text ? text() : appointment.status;
}

function closePanels() {
  ui.panel.hidden = true;
  ui.move.hidden = true;
  ui.cancelConfirm.hidden = true;
  ui.reschedule.setAttribute("aria-expanded", "false");
  managed.start = null;
}

function render() {
  const appointment = managed.appointment;
  ui.status.textContent = stateText(appointment);
  const passed = appointment.status === "booked" && !appointment.can_change;
  ui.status.dataset.status = passed ? "passed" : appointment.status;
  ui.card.replaceChildren(appointmentCard(appointment));
  ui.actions.hidden = !appointment.can_change;
  closePanels();
}

function invalid() {
  forgetManageLink();
  showStep("invalid");
}

/** After a refusal: the appointment as it now stands, and why nothing changed. */
async function refusal(error) {
  if (error.status === 404) {
    invalid();
    return;
  }
  if (error.slotTaken || (error.status === 400 && error.field === "start")) {
    ui.move.hidden = true;
    managed.start = null;
    managed.picker.notice(error.slotTaken ? t("book.slotTaken") : t("book.timeGone"));
    await managed.picker.refresh();
    managed.picker.focus();
    return;
  }
  if (error.status === 409 || error.status === 410) {
    // Cancelled elsewhere, or its time has come: shown as it now stands.
    await load({ focus: false }).catch(() => undefined);
    alertText(t("book.cannotChange"));
    ui.title.focus();
    return;
  }
  alertText(problemText(error));
}

async function openReschedule() {
  clearAlert();
  closePanels();
  ui.panel.hidden = false;
  ui.reschedule.setAttribute("aria-expanded", "true");
  ui.panelTitle.focus();
  const appointment = managed.appointment;
  if (!managed.picker) {
    managed.picker = createSlotPicker({
      host: byId("manage-picker"),
      idPrefix: "manage",
      headingLevel: 3,
      onChoose: async (slot) => {
        managed.start = slot.start;
        const when = startSentence(slot.start, managed.appointment.store.timezone);
        ui.moveQuestion.textContent = t("book.moveTo", { when });
        ui.move.hidden = false;
        ui.moveQuestion.focus();
      },
    });
  }
  await managed.picker.configure({
    store: appointment.store.code,
    zone: appointment.store.timezone,
    type: appointment.type.code,
    language: appointment.language || undefined,
  });
}

async function move() {
  if (!managed.start) return;
  clearAlert();
  ui.moveYes.disabled = true;
  announce(t("book.moving"));
  try {
    const body = { start: managed.start };
    managed.appointment = await api(path("/reschedule"), { method: "POST", body, token: managed.link.token });
    render();
    ui.title.focus();
    const when = startSentence(managed.appointment.start, managed.appointment.store.timezone);
    announce(t("book.moved", { when }));
  } catch (error) {
    await refusal(error);
  } finally {
    ui.moveYes.disabled = false;
  }
}

async function cancel() {
  clearAlert();
  ui.cancelYes.disabled = true;
  announce(t("book.cancelling"));
  try {
    managed.appointment = await api(path("/cancel"), { method: "POST", token: managed.link.token });
    render();
    ui.title.focus();
    announce(t("book.cancelled"));
  } catch (error) {
    await refusal(error);
  } finally {
    ui.cancelYes.disabled = false;
  }
}

function wire() {
  if (managed.wired) return;
  managed.wired = true;
  ui.reschedule.addEventListener("click", () => {
    if (ui.panel.hidden) openReschedule();
    else closeReschedule();
  });
  ui.close.addEventListener("click", closeReschedule);
  ui.moveYes.addEventListener("click", move);
  ui.moveNo.addEventListener("click", () => {
    ui.move.hidden = true;
    managed.start = null;
    managed.picker.focus();
  });
  ui.cancel.addEventListener("click", () => {
    clearAlert();
    closePanels();
    ui.cancelConfirm.hidden = false;
    ui.cancelQuestion.focus();
  });
  ui.cancelNo.addEventListener("click", () => {
    ui.cancelConfirm.hidden = true;
    ui.cancel.focus();
  });
  ui.cancelYes.addEventListener("click", cancel);
  ui.calendar.addEventListener("click", () => saveCalendar(managed.link.id, managed.link.token));
}

function closeReschedule() {
  clearAlert();
  closePanels();
  ui.reschedule.focus();
}

async function load({ focus }) {
  managed.appointment = await api(path(), { token: managed.link.token });
  render();
  showStep("manage", { focus });
}

/** link: {id, token} from the manage link. */
export async function openManage(link, { focus = false } = {}) {
  wire();
  managed.link = link;
  clearAlert();
  try {
    await load({ focus });
  } catch (error) {
    if (error.status === 404) {
      invalid();
      return;
    }
    view.boot.hidden = true;
    alertText(problemText(error));
  }
}
