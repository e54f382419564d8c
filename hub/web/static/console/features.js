/*
 * The #12 parts of the console in one place for session.js: each is set up after sign-in
 * and forgotten on sign-out, like the queue board and the dashboard.
 */
import { resetAdmin, setupAdmin } from "./admin-view.js";
import { resetAttention, setupAttention } from "./attention.js";
import { resetCannedReplies, setupCannedReplies } from "./canned-replies.js";
import { resetConversationNotes } from "./conversation-notes.js";
import { resetMyClients, setupMyClients } from "./my-clients.js";
import { resetReplyAttachments, setupReplyAttachments } from "./reply-attachments.js";

export function setupFeatures() {
  setupCannedReplies();
  setupReplyAttachments();
  setupMyClients();
  setupAttention();
  setupAdmin();
}

export function resetFeatures() {
  resetCannedReplies();
  resetConversationNotes();
  resetReplyAttachments();
  resetMyClients();
  resetAttention();
  resetAdmin();
}
