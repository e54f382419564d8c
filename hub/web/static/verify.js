/**
 * The landing page of an e-mail verification link. The token arrives in the URL fragment
 * (never sent to a server by the browser); it is taken out of the address bar at once and
 * sent only in the body of POST /api/verifications when the customer presses Confirm.
 * All text goes through textContent.
 */
import { showText } from "./shared/dom.js";

const form = document.getElementById("verify-form");
const confirmButton = document.getElementById("verify-confirm");
const statusLine = document.getElementById("verify-status");
const errorLine = document.getElementById("verify-error");

// The link opened again in this tab only changes the fragment: start afresh with it.
window.addEventListener("hashchange", () => window.location.reload());

const token = decodeURIComponent(window.location.hash.replace(/^#/, "")).trim();
// Out of the address bar and history, so a copied or shared URL carries no token.
window.history.replaceState(null, "", window.location.pathname);

async function redeem() {
  confirmButton.disabled = true;
  showText(errorLine, "");
  showText(statusLine, "Confirming\u2026");
  let response;
  let data = null;
  try {
    response = await fetch("/api/verifications", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "omit",
      body: JSON.stringify({ token }),
    });
    data = await response.json().catch(() => null);
  } catch (_err) {
    showText(statusLine, "");
    showText(errorLine, "We could not reach Concierge. Check your connection and try again.");
    confirmButton.disabled = false;
    return;
  }
  showText(statusLine, "");
  if (response.ok && data && data.verified) {
    form.hidden = true;
    showText(statusLine, `Thank you: ${data.email} is confirmed. You can close this page.`);
    return;
  }
  const message = data && data.error && data.error.message;
  showText(errorLine, message || `Something went wrong (${response.status}). Please try again later.`);
  // A used, expired or unknown link will not work on a second press either.
  form.hidden = response.status === 400;
  confirmButton.disabled = false;
}

if (!token) {
  showText(errorLine, "This link is incomplete. Open it again from the e-mail, or ask us for a new one.");
} else {
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    redeem();
  });
}
