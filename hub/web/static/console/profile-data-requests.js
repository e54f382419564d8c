/**
 * A customer's data-subject requests, for store managers only: "Export data" downloads all
 * the hub holds about them as a JSON file; "Erase customer" removes the person (sales
 * figures stay, without them) after an in-page confirmation that asks for the word ERASE.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { inlineConfirm } from "./inline-confirm.js";
import { errorLine, profileSection, showFailure } from "./profile-parts.js";
import { isManager, sessionEnded } from "./session.js";

/** Hands data to the browser as a file download (no URL carries any of it). */
function download(data, filename) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { attrs: { href: url, download: filename } });
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function dataRequestsSection(ctx) {
  const section = profileSection(t("profile.dataRequests"), { "data-testid": "profile-data-requests" });
  const exportButton = button(t("profile.export"), "button button-outline", "profile-export");
  const eraseButton = button(t("profile.erase"), "button button-danger-outline", "profile-erase");
  const error = errorLine("profile-data-error");
  const status = el("p", { className: "profile-saved", attrs: { role: "status" } });
  const erase = inlineConfirm({
    message: t("profile.eraseConfirm"),
    confirmLabel: t("profile.erase"),
    word: t("profile.eraseWord"),
    testid: "profile-erase",
    onConfirm: async () => {
      const customerId = ctx.customerId;
      try {
        await api("DELETE", `/api/customers/${encodeURIComponent(customerId)}`);
      } catch (err) {
        if (err.status === 401) sessionEnded();
        throw err;
      }
      if (customerId === ctx.customerId) ctx.refresh();
    },
  });
  section.body.append(
    el("div", { className: "profile-form-actions" }, [exportButton, eraseButton]),
    erase.el,
    error,
    status,
  );

  exportButton.addEventListener("click", async () => {
    const customerId = ctx.customerId;
    showText(error, "");
    showText(status, "");
    exportButton.disabled = true;
    try {
      const data = await api("GET", `/api/customers/${encodeURIComponent(customerId)}/export`);
      download(data, `customer-${customerId}.json`);
      showText(status, t("profile.exported"));
    } catch (err) {
      showFailure(error, err);
    } finally {
      exportButton.disabled = false;
    }
  });
  eraseButton.addEventListener("click", () => erase.open());

  return {
    el: section.el,
    render(profile) {
      section.el.hidden = !isManager();
      eraseButton.hidden = Boolean(profile.erased);
      if (profile.erased) erase.close();
    },
    reset() {
      erase.close();
      showText(error, "");
      showText(status, "");
    },
  };
}
