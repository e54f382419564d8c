/**
 * Signing in and out. One page, two states: the login form, and the workspace. The session
 * itself is an HttpOnly cookie; the login token is kept in memory for the socket handshake.
 */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { resetCalendar } from "./calendar-view.js";
import { selectConversation, showConversation, setView } from "./conversation-pane.js";
import { renderConversationList } from "./conversations.js";
import { forgetNames } from "./customer-names.js";
import { resetCustomerSearch } from "./customer-search.js";
import { dom } from "./elements.js";
import { forgetEmailStates } from "./email-thread.js";
import { resetFeatures, setupFeatures } from "./features.js";
import { resetInsights, setupInsights } from "./insights-view.js";
import { dropCarried, takeCarried } from "./language-carry.js";
import { hideRemoteTyping } from "./live-events.js";
import { toast } from "./notices.js";
import { renderOffersMeta, tickOffers } from "./offers.js";
import { clearPresenceNotice } from "./presence.js";
import { resetProfilePanel } from "./profile-panel.js";
import { closeProposal } from "./proposal-dialog.js";
import { resetQueueBoard, setupQueueBoard } from "./queue-board.js";
import { localTyping } from "./replies.js";
import { connectSocket, disconnectSocket } from "./socket.js";
import { state } from "./state.js";
import { forgetStores } from "./stores.js";
import { resetTimeline } from "./timeline.js";
import { closeTransfer } from "./transfer.js";
import { forgetVoiceStates } from "./voice-state.js";
import { forgetChannelStates } from "./wechat-window-panel.js";

/** Signed in already (the cookie is still good) or not: show the workspace or the form. */
export async function resumeSession() {
  try {
    const data = await api("GET", "/api/me");
    enterWorkspace(data.staff);
  } catch (err) {
    showLogin(err.status === 401 ? "" : err.message);
  }
}

function showLogin(message) {
  teardown();
  dom.boot.hidden = true;
  dom.workspace.hidden = true;
  dom.sessionBar.hidden = true;
  dom.loginView.hidden = false;
  showLoginError(message);
  dom.loginEmail.focus();
}

function showLoginError(message) {
  showText(dom.loginError, message);
}

function loginErrorText(err) {
  if (err.status === 401) return t("login.incorrect");
  if (err.status === 429) {
    const wait = Number(err.details.retry_after);
    return wait > 0 ? t("login.tooManyRetryIn", { count: Math.ceil(wait) }) : t("login.tooMany");
  }
  return err.message;
}

export async function onLoginSubmit(event) {
  event.preventDefault();
  const email = dom.loginEmail.value.trim();
  const password = dom.loginPassword.value;
  if (!email || !password) {
    showLoginError(t("login.missing"));
    return;
  }
  showLoginError("");
  dom.loginSubmit.disabled = true;
  try {
    const data = await api("POST", "/api/auth/login", { email, password });
    state.token = data.token || null;
    dom.loginPassword.value = "";
    enterWorkspace(data.staff);
  } catch (err) {
    showLoginError(loginErrorText(err));
    dom.loginPassword.select();
  } finally {
    dom.loginSubmit.disabled = false;
  }
}

function enterWorkspace(staff) {
  state.staff = staff || {};
  dom.staffName.textContent = state.staff.name || state.staff.email || "";
  dom.boot.hidden = true;
  dom.loginView.hidden = true;
  dom.sessionBar.hidden = false;
  dom.workspace.hidden = false;
  dom.presence.value = "away"; // the hub starts every connection as away
  setView("list");
  showConversation(null);
  renderOffersMeta();
  renderConversationList();
  setupQueueBoard();
  setupInsights();
  setupFeatures();
  state.countdownTimer = setInterval(tickOffers, 1000);
  const carried = takeCarried(state.staff.id);
  if (carried) {
    // A language switch: as they were (the socket announces the presence on connect).
    dom.presence.value = carried.presence;
    for (const [id, text] of carried.drafts) state.drafts.set(id, text);
    if (carried.selected) selectConversation(carried.selected);
  }
  connectSocket();
}

export async function onLogout() {
  dom.logout.disabled = true;
  try {
    await api("POST", "/api/auth/logout");
  } catch (_err) {
    // Already signed out server-side or unreachable: still leave the workspace.
  } finally {
    dom.logout.disabled = false;
    dom.loginEmail.value = "";
    showLogin("");
  }
}

/** Store managers (and admins) see the live queue and handle data-subject requests. */
export const isManager = () => Boolean(state.staff && ["manager", "admin"].includes(state.staff.role));

export function sessionEnded() {
  showLogin(t("login.sessionEnded"));
}

/** Shared handling for a failed request made from the workspace. */
export function reportApiFailure(err) {
  if (!state.staff) return; // signed out while the request was in flight
  if (err && err.status === 401) {
    sessionEnded();
    return;
  }
  toast((err && err.message) || t("common.somethingWentWrong"));
}

/** Forget everything about the previous session (socket, data, DOM). */
function teardown() {
  disconnectSocket();
  closeTransfer();
  closeProposal();
  resetQueueBoard();
  resetInsights();
  resetFeatures();
  resetCalendar();
  forgetStores();
  forgetNames();
  resetProfilePanel();
  resetCustomerSearch();
  clearPresenceNotice();
  clearInterval(state.countdownTimer);
  clearTimeout(state.refreshTimer);
  localTyping.cancel();
  hideRemoteTyping();
  state.token = null;
  state.staff = null;
  state.conversations.clear();
  state.offers.clear();
  state.pending.clear();
  state.drafts.clear();
  dropCarried();
  state.selectedId = null;
  resetTimeline();
  forgetChannelStates();
  forgetEmailStates();
  forgetVoiceStates();
  dom.conversationsNotice.hidden = true;
  dom.offersList.replaceChildren();
  dom.conversationList.replaceChildren();
}
