/*
 * Concierge ambassador console: the page's entry module (console.html loads it after the
 * socket.io client, a classic script that defines window.io).
 *
 * Security: all text from the network is rendered with textContent; the login token is kept
 * in memory only (for the socket handshake) and never logged or put in a URL.
 */
import { sendOnSubmitOrEnter } from "../shared/composer.js";
import { wireAdmin } from "./admin-view.js";
import { wireAttention } from "./attention.js";
import { wireCalendar } from "./calendar-view.js";
import { wireCannedReplies } from "./canned-replies.js";
import { wireConversationNotes } from "./conversation-notes.js";
import { setView } from "./conversation-pane.js";
import { focusConversationItem } from "./conversations.js";
import { wireCustomerSearch } from "./customer-search.js";
import { dom } from "./elements.js";
import { wireInsights } from "./insights-view.js";
import { startLanguage } from "./language.js";
import { wireMyClients } from "./my-clients.js";
import { onPresenceChosen } from "./presence.js";
import { wireProposal } from "./proposal-dialog.js";
import { wireQueueBoard } from "./queue-board.js";
import { wireReplyAttachments } from "./reply-attachments.js";
import { onLocalTyping, sendReply } from "./replies.js";
import { onLoginSubmit, onLogout, resumeSession } from "./session.js";
import { state } from "./state.js";
import { wireTransfer } from "./transfer.js";
import { wireWechatLink } from "./wechat-link-action.js";

function wireUi() {
  dom.loginForm.addEventListener("submit", onLoginSubmit);
  dom.logout.addEventListener("click", onLogout);
  dom.presence.addEventListener("change", onPresenceChosen);
  dom.back.addEventListener("click", () => {
    setView("list");
    if (state.selectedId) focusConversationItem(state.selectedId);
  });
  sendOnSubmitOrEnter(dom.replyForm, dom.replyInput, sendReply);
  dom.replyInput.addEventListener("input", onLocalTyping);
  wireTransfer();
  wireQueueBoard();
  wireCustomerSearch();
  wireCalendar();
  wireProposal();
  wireWechatLink();
  wireInsights();
  wireCannedReplies();
  wireConversationNotes();
  wireReplyAttachments();
  wireMyClients();
  wireAttention();
  wireAdmin();
}

// The texts first: everything drawn from here on reads them (console/language.js).
await startLanguage(dom.language);
wireUi();
resumeSession();
