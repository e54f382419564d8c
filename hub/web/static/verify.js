/**
 * The landing page of an e-mail verification link. The token arrives in the URL fragment
 * (never sent to a server by the browser); it is taken out of the address bar at once and
 * sent only in the body of POST /api/verifications when the customer presses Confirm.
 * All text goes through textContent, in the language the hub chooses for the shopper.
 */
import { showText } from "./shared/dom.js";
import { t } from "./shared/i18n.js";
import { takeLinkToken } from "./shared/link-token.js";
import { translateOwnPage } from "./shared/page-language.js";
import { postJson } from "./shared/post-json.js";
import { getToken } from "./widget/storage.js";

const form = document.getElementById("verify-form");
const confirmButton = document.getElementById("verify-confirm");
const statusLine = document.getElementById("verify-status");
const errorLine = document.getElementById("verify-error");

const token = takeLinkToken();

async function redeem() {
  confirmButton.disabled = true;
  showText(errorLine, "");
  showText(statusLine, t("verify.confirming"));
  const { status, data } = await postJson("/api/verifications", { token });
  showText(statusLine, "");
  if (status === 0) {
    showText(errorLine, t("common.unreachable"));
    confirmButton.disabled = false;
    return;
  }
  if (status >= 200 && status < 300 && data && data.verified) {
    form.hidden = true;
    showText(statusLine, t("verify.done", { email: data.email }));
    return;
  }
  const message = data && data.error && data.error.message;
  showText(errorLine, message || t("verify.failed", { status }));
  // A used, expired or unknown link will not work on a second press either.
  form.hidden = status === 400;
  confirmButton.disabled = false;
}

await translateOwnPage({ visitorToken: getToken() });

if (!token) {
  showText(errorLine, t("verify.incomplete"));
} else {
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    redeem();
  });
}
