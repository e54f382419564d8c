/**
 * Booking, step by step: boutique → appointment type → day and time (choosing a time
 * holds it) → details → confirmation. ?store=CODE&type=CODE in the page's address
 * preselects, as the chat widget's links do.
 */
import { el } from "../shared/dom.js";
import { language, t } from "../shared/i18n.js";
import { api, problemText } from "./api.js";
import { showConfirmation } from "./confirmation.js";
import { conversationClaim, dropConversation } from "./conversation.js";
import {
  clearErrors,
  formValues,
  setSending,
  showFormProblem,
  showHubError,
  wireDetailsForm,
} from "./details-form.js";
import * as hold from "./hold.js";
import { createSlotPicker } from "./slot-picker.js";
import { durationText, startSentence, zoneCity } from "./times.js";
import { alertText, announce, clearAlert, showStep, view } from "./view.js";

const byId = (id) => document.getElementById(id);
const chosen = { stores: [], store: null, type: null, language: null, sending: false };
let picker = null;

/** The page's language, when the boutique serves it: ambassadors who speak it are offered. */
function languageFor(store) {
  const primary = language().split("-")[0].toLowerCase();
  const served = (store.languages || []).some((tag) => tag.split("-")[0].toLowerCase() === primary);
  return served ? primary : undefined;
}

function choiceButton({ testid, title, lines, onChoose }) {
  const button = el("button", { className: "choice", attrs: { type: "button", "data-testid": testid } }, [
    el("span", { className: "choice-title", text: title }),
    ...lines.filter(Boolean).map((text) => el("span", { className: "choice-line", text })),
  ]);
  button.addEventListener("click", onChoose);
  return el("li", {}, [button]);
}

function renderSummaries() {
  const store = chosen.store;
  const type = chosen.type;
  const storeText = store ? store.name : "";
  const typeText = type ? `${type.name} · ${durationText(type.duration_minutes)} · ${storeText}` : storeText;
  for (const node of document.querySelectorAll("[data-summary]")) {
    node.textContent = node.dataset.summary === "store" ? storeText : typeText;
  }
}

function renderStores() {
  const list = byId("store-list");
  if (!chosen.stores.length) {
    list.replaceChildren(el("li", { className: "choices-empty", text: t("book.noStores") }));
    return;
  }
  list.replaceChildren(
    ...chosen.stores.map((store) =>
      choiceButton({
        testid: `book-store-${store.code}`,
        title: store.name,
        lines: [store.address || zoneCity(store.timezone)],
        onChoose: () => selectStore(store),
      }),
    ),
  );
}

function renderTypes() {
  const types = chosen.store.appointment_types || [];
  const list = byId("type-list");
  if (!types.length) {
    list.replaceChildren(el("li", { className: "choices-empty", text: t("book.noTypes") }));
    return;
  }
  list.replaceChildren(
    ...types.map((type) =>
      choiceButton({
        testid: `book-type-${type.code}`,
        title: type.name,
        lines: [durationText(type.duration_minutes), typeDescription(type.kind)],
        onChoose: () => selectType(type),
      }),
    ),
  );
}

function typeDescription(kind) {
  if (kind === "virtual") return t("book.typeVirtual");
  if (kind === "in_store") return t("book.typeInStore");
  return "";
}

function selectStore(store, { focus = true } = {}) {
  clearAlert();
  chosen.store = store;
  chosen.type = null;
  chosen.language = languageFor(store);
  renderTypes();
  renderSummaries();
  showStep("type", { focus });
}

function selectType(type, { focus = true } = {}) {
  clearAlert();
  chosen.type = type;
  renderSummaries();
  showStep("time", { focus });
  picker.configure({
    store: chosen.store.code,
    zone: chosen.store.timezone,
    type: type.code,
    language: chosen.language,
  });
}

/** Back to the times, told why, with the times asked for again. */
async function backToTimes(message) {
  alertText(message);
  showStep("time");
  await picker.refresh();
}

function holdLapsed() {
  // While the booking is on its way, the hub's answer decides (it may have been in time).
  if (!chosen.sending) backToTimes(t("book.holdLapsed"));
}

async function chooseTime(slot) {
  clearAlert();
  announce(t("book.holding"));
  try {
    await hold.placeHold({
      store: chosen.store.code,
      type: chosen.type.code,
      start: slot.start,
      language: chosen.language,
    });
  } catch (error) {
    // Said beside the times, where the shopper is looking; a refused time leaves the list.
    picker.notice(error.status === 400 ? t("book.timeGone") : problemText(error));
    if (error.slotTaken || error.status === 400) await picker.refresh();
    picker.focus();
    return;
  }
  byId("details-when").textContent = startSentence(hold.current.start, chosen.store.timezone);
  hold.startCountdown(byId("hold-countdown"), holdLapsed);
  showStep("details");
}

function bookingBody() {
  const held = hold.current;
  return {
    store: chosen.store.code,
    type: chosen.type.code,
    start: held.start,
    hold_id: held.hold_id,
    hold_token: held.hold_token,
    language: chosen.language,
    ...formValues(),
    ...conversationClaim(),
  };
}

/** A refusal of the booking: shown where the shopper can act on it. */
async function bookingRefused(error) {
  if (error.slotTaken || error.holdGone) {
    await hold.releaseHold();
    await backToTimes(error.slotTaken ? t("book.slotTaken") : t("book.holdLapsed"));
  } else if (error.status === 400 && ["start", "hold_id", "type", "store"].includes(error.field)) {
    await hold.releaseHold();
    await backToTimes(t("book.timeGone"));
  } else if (!(error.status === 400 && showHubError(error.field, error.serverMessage))) {
    showFormProblem(problemText(error));
  }
}

async function submitBooking() {
  if (!hold.current) {
    holdLapsed();
    return;
  }
  clearAlert();
  chosen.sending = true;
  setSending(true);
  try {
    let body = bookingBody();
    let result;
    try {
      result = await api("/api/appointments", { method: "POST", body });
    } catch (error) {
      // A conversation this browser cannot prove is left out rather than blocking the booking.
      if (!(error.status === 404 && error.code === "not_found" && body.conversation_id)) throw error;
      dropConversation();
      body = bookingBody();
      result = await api("/api/appointments", { method: "POST", body });
    }
    hold.holdUsed();
    clearErrors();
    showConfirmation(result);
  } catch (error) {
    await bookingRefused(error);
  } finally {
    chosen.sending = false;
    setSending(false);
  }
}

function wireBackButtons() {
  for (const button of document.querySelectorAll("[data-back]")) {
    button.addEventListener("click", async () => {
      clearAlert();
      const target = button.dataset.back;
      if (view.current === "details") {
        await hold.releaseHold();
        showStep(target);
        await picker.refresh();
        return;
      }
      showStep(target);
    });
  }
  // Back from the bfcache after pagehide released the hold: the time is no longer kept.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && view.current === "details" && !hold.current) holdLapsed();
  });
}

function preselect() {
  const params = new URLSearchParams(window.location.search);
  const code = (params.get("store") || "").trim().toUpperCase();
  const store = chosen.stores.find((s) => s.code === code) || (chosen.stores.length === 1 ? chosen.stores[0] : null);
  if (!store) {
    showStep("store", { focus: false });
    return;
  }
  selectStore(store, { focus: false });
  const typeCode = (params.get("type") || "").trim();
  const type = (store.appointment_types || []).find((t) => t.code === typeCode);
  if (type) selectType(type, { focus: false });
}

export async function startBooking() {
  picker = createSlotPicker({ host: byId("time-picker"), idPrefix: "book", onChoose: chooseTime });
  wireDetailsForm(submitBooking);
  wireBackButtons();
  hold.releaseOnLeave();
  try {
    chosen.stores = await api("/api/stores");
  } catch (error) {
    view.boot.hidden = true;
    alertText(problemText(error));
    return;
  }
  renderStores();
  preselect();
}
