/**
 * The customer profile beside the open conversation (a right-hand column on wide screens, a
 * collapsible section under the conversation header on narrower ones), or on its own, read
 * only, when opened from the customer search. The console watches the customer shown
 * (`watch_customer`); `customer_updated` re-fetches it, and each section redraws itself
 * without losing what is being typed (see profile-preferences.js).
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { closeCalendar } from "./calendar-view.js";
import { followUpSection } from "./clients-profile.js";
import { followCustomerName, setView } from "./conversation-pane.js";
import { dom } from "./elements.js";
import { appointmentsSection } from "./profile-appointments.js";
import { consentsSection } from "./profile-consents.js";
import { dataRequestsSection } from "./profile-data-requests.js";
import { profileHeader } from "./profile-header.js";
import { conversationsSection, purchasesSection } from "./profile-history.js";
import { identitiesSection } from "./profile-identities.js";
import { mergeSection } from "./profile-merge.js";
import { notesSection } from "./profile-notes.js";
import { preferencesSection } from "./profile-preferences.js";
import { closeQueueBoard } from "./queue-board.js";
import { sessionEnded } from "./session.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";

const UPDATE_DELAY_MS = 150; // several changes at once (a merge) make one re-fetch

// mode: "conversation" (beside the open one, editable), "search" (alone, read only) or null;
// asked: the customer id as given (the profile shown, ctx.customerId, differs after a merge).
const panel = { mode: null, asked: null, ticket: 0, timer: null, parts: null };

/** What the sections know of the panel; they re-read customerId after every await. */
const ctx = {
  customerId: null,
  conversationId: null,
  editable: false, // beside a conversation; a profile opened from the search is read only
  applyProfile: (profile) => {
    panel.ticket += 1; // a re-fetch still on its way is older than this answer
    render(profile);
  },
  refresh: () => loadProfile(),
};

/** Built on first use (the page's modules import each other; none of them runs code early). */
function parts() {
  if (panel.parts) return panel.parts;
  const header = profileHeader(closeProfile);
  const sections = [
    identitiesSection(ctx),
    mergeSection(ctx),
    preferencesSection(ctx),
    notesSection(ctx),
    followUpSection(ctx),
    purchasesSection(),
    conversationsSection(),
    appointmentsSection(),
    consentsSection(ctx),
    dataRequestsSection(ctx),
  ];
  const status = el("p", { className: "empty profile-status", attrs: { role: "status" } });
  dom.profileBody.replaceChildren(header.el, status, ...sections.map((section) => section.el));
  dom.profileToggle.addEventListener("click", () =>
    setCollapsed(dom.profileToggle.getAttribute("aria-expanded") === "true"),
  );
  panel.parts = { header, sections, status };
  return panel.parts;
}

/** On narrow screens only: the profile folds away under the conversation header. */
function setCollapsed(collapsed) {
  dom.profilePanel.dataset.collapsed = String(collapsed);
  dom.profileToggle.setAttribute("aria-expanded", String(!collapsed));
}

function render(profile) {
  const { header, sections, status } = parts();
  showText(status, "");
  for (const section of sections) section.el.hidden = false;
  header.render(profile);
  for (const section of sections) section.render(profile);
  if (panel.mode === "conversation") followCustomerName(ctx.conversationId, profile);
}

/** Shows the panel for a customer; a different customer or mode starts afresh. */
function show(mode, customer, conversationId) {
  const { header, sections, status } = parts();
  const customerId = (customer && customer.id) || null;
  dom.pane.dataset.profile = mode === "search" ? "only" : "side";
  dom.profilePanel.dataset.mode = mode;
  dom.profilePanel.hidden = false;
  if (mode === panel.mode && customerId === panel.asked && conversationId === ctx.conversationId) return;
  Object.assign(panel, { mode, asked: customerId });
  Object.assign(ctx, { customerId, conversationId, editable: mode === "conversation" && Boolean(conversationId) });
  panel.ticket += 1;
  clearTimeout(panel.timer);
  header.placeholder(customer);
  for (const section of sections) {
    section.reset();
    section.el.hidden = true;
  }
  showText(status, t("profile.loading"));
  if (mode === "search") setCollapsed(false);
  if (!customerId) return; // the conversation's customer is not known yet
  watchCustomer();
  loadProfile();
}

function hide() {
  Object.assign(panel, { mode: null, asked: null });
  Object.assign(ctx, { customerId: null, conversationId: null, editable: false });
  panel.ticket += 1;
  clearTimeout(panel.timer);
  dom.profilePanel.hidden = true;
  delete dom.pane.dataset.profile;
}

/**
 * The open conversation changed or was redrawn (null: none is open). A profile opened from
 * the search stays until closed or until a conversation is chosen (leaveSearchProfile).
 */
export function profileForConversation(conversation) {
  if (panel.mode === "search") return;
  if (!conversation) {
    if (panel.mode === "conversation") hide();
    return;
  }
  if (panel.mode !== "conversation" || ctx.conversationId !== conversation.id) setCollapsed(true);
  show("conversation", conversation.customer, conversation.id);
}

/** From the customer search: the profile alone, read only, in the conversation's place. */
export function openCustomerProfile(customer) {
  if (!customer || !customer.id) return;
  closeQueueBoard({ restoreView: false });
  closeCalendar({ restoreView: false });
  show("search", customer, null);
  setView("conversation");
  parts().header.name.focus();
}

/** A conversation was chosen: it takes the pane back from a profile opened from the search. */
export function leaveSearchProfile() {
  if (panel.mode === "search") hide();
}

function closeProfile() {
  if (panel.mode !== "search") return;
  const conversation = state.selectedId ? state.conversations.get(state.selectedId) : null;
  hide();
  if (conversation) {
    profileForConversation(conversation);
    setView("conversation");
  } else {
    setView("list");
    dom.customerSearch.focus();
  }
}

function watchCustomer() {
  const customerId = ctx.customerId;
  emitNow("watch_customer", { customer_id: customerId }, (ack) => {
    if (customerId !== ctx.customerId || !ack || !ack.error) return;
    showText(parts().status, ack.error.message || t("profile.liveUnavailable"));
  });
}

async function loadProfile() {
  const customerId = ctx.customerId;
  if (!customerId) return;
  const ticket = ++panel.ticket;
  let profile;
  try {
    profile = await api("GET", `/api/customers/${encodeURIComponent(customerId)}`);
  } catch (err) {
    if (ticket !== panel.ticket) return;
    if (err.status === 401) sessionEnded();
    else showText(parts().status, err.status === 404 ? t("profile.gone") : err.message);
    return;
  }
  if (ticket !== panel.ticket) return;
  if (profile.id && profile.id !== customerId) {
    ctx.customerId = profile.id; // merged into another profile meanwhile: follow it
    watchCustomer();
  }
  render(profile);
}

/** `customer_updated {customer_id}`: someone changed the customer shown. */
export function onCustomerUpdated(payload) {
  if (!payload || !ctx.customerId || payload.customer_id !== ctx.customerId) return;
  clearTimeout(panel.timer);
  panel.timer = setTimeout(loadProfile, UPDATE_DELAY_MS);
}

/** `appointment`: one was booked, moved or cancelled; it may be the shown customer's. */
export function onAppointmentChanged() {
  if (!ctx.customerId) return;
  clearTimeout(panel.timer);
  panel.timer = setTimeout(loadProfile, UPDATE_DELAY_MS);
}

/** After a (re)connect: the new connection watches nobody, and changes may have been missed. */
export function refreshProfile() {
  if (!ctx.customerId) return;
  watchCustomer();
  loadProfile();
}

/** Signed out: nothing of the last customer stays on the page. */
export function resetProfilePanel() {
  if (panel.parts) for (const section of panel.parts.sections) section.reset();
  hide();
}
