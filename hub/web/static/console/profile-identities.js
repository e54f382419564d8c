/**
 * How the customer can be reached and recognised: each identity with whether the channel
 * proved it (verified) or the shopper only said so (claimed), and a form to add an e-mail
 * address or phone number. What an ambassador adds is a claim until a manager verifies it,
 * or until the customer opens the link of a verification e-mail sent from here.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { emptyLine, errorLine, kindLabel, profileSection, showFailure } from "./profile-parts.js";

/** One identity as a list item; shared with the merge candidates' summaries. */
export function identityItem(identity, testid, extra = []) {
  const verified = identity.verified === true;
  return el(
    "li",
    {
      className: "profile-identity",
      attrs: { "data-testid": testid, "data-verified": verified ? "true" : "false", "data-kind": identity.kind },
    },
    [
      el("span", { className: "profile-identity-kind", text: kindLabel(identity.kind) }),
      el("span", { className: "profile-identity-value", text: identity.value || "" }),
      el("span", {
        className: `badge ${verified ? "badge-verified" : "badge-claimed"}`,
        text: verified ? t("identity.verified") : t("identity.claimed"),
      }),
      ...extra,
    ],
  );
}

export function identitiesSection(ctx) {
  const section = profileSection(t("profile.identities"), { "data-testid": "profile-identities" });
  const list = el("ul", { className: "profile-list profile-identities" });
  const empty = emptyLine(t("identity.none"));
  const kind = el("select", { attrs: { "aria-label": t("identity.kindLabel"), "data-testid": "profile-identity-kind" } }, [
    el("option", { text: kindLabel("email"), attrs: { value: "email" } }),
    el("option", { text: kindLabel("phone"), attrs: { value: "phone" } }),
  ]);
  const value = el("input", {
    attrs: {
      type: "text",
      autocomplete: "off",
      "aria-label": t("identity.valueLabel"),
      placeholder: t("identity.valuePlaceholder"),
      "data-testid": "profile-identity-value",
    },
  });
  const add = button(t("identity.add"), "button button-outline", "profile-identity-add", "submit");
  const error = errorLine("profile-identity-error");
  const form = el("form", { className: "profile-inline-form", attrs: { novalidate: "" } }, [
    el("p", { className: "profile-form-title", text: t("identity.formTitle") }),
    el("div", { className: "profile-inline-row" }, [kind, value, add]),
    error,
  ]);
  section.body.append(list, empty, form);
  // Per identity id: what the last "Send verification e-mail" said, kept across redraws.
  const verifyNotes = new Map();
  let lastProfile = null;

  async function sendVerification(identity) {
    const customerId = ctx.customerId;
    verifyNotes.set(identity.id, { text: t("identity.sending"), busy: true });
    redraw();
    try {
      await api(
        "POST",
        `/api/customers/${encodeURIComponent(customerId)}/identities/${encodeURIComponent(identity.id)}/verify`,
      );
      verifyNotes.set(identity.id, { text: t("identity.verificationSent"), busy: false, sent: true });
    } catch (err) {
      if (err && err.status === 401) {
        showFailure(error, err);
        return;
      }
      verifyNotes.set(identity.id, { text: (err && err.message) || t("identity.sendFailed"), busy: false });
    }
    if (customerId === ctx.customerId) redraw();
  }

  /** The button and its status line for an unverified e-mail address, beside a conversation. */
  function verifyControls(identity) {
    if (identity.kind !== "email" || identity.verified || !identity.id || !ctx.editable) return [];
    const note = verifyNotes.get(identity.id);
    const send = button(
      note && note.sent ? t("identity.sendAgain") : t("identity.sendVerification"),
      "button button-quiet profile-identity-verify",
      "profile-identity-verify",
    );
    send.disabled = Boolean(note && note.busy);
    send.addEventListener("click", () => sendVerification(identity));
    const status = el("span", {
      className: "profile-identity-verify-status",
      attrs: { role: "status", "data-testid": "profile-identity-verify-status" },
    });
    showText(status, note ? note.text : "");
    return [send, status];
  }

  function redraw() {
    if (lastProfile) render(lastProfile);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = value.value.trim();
    if (!text) {
      showText(error, t("identity.enterValue"));
      value.focus();
      return;
    }
    const customerId = ctx.customerId;
    showText(error, "");
    add.disabled = true;
    try {
      const profile = await api("POST", `/api/customers/${encodeURIComponent(customerId)}/identities`, {
        kind: kind.value,
        value: text,
      });
      if (customerId !== ctx.customerId) return;
      value.value = "";
      ctx.applyProfile(profile);
    } catch (err) {
      if (customerId === ctx.customerId) showFailure(error, err);
    } finally {
      add.disabled = false;
    }
  });
  value.addEventListener("input", () => showText(error, ""));

  function render(profile) {
    lastProfile = profile;
    const identities = Array.isArray(profile.identities) ? profile.identities : [];
    const editable = !profile.erased;
    list.replaceChildren(
      ...identities.map((identity) =>
        identityItem(identity, "profile-identity", editable ? verifyControls(identity) : []),
      ),
    );
    empty.hidden = identities.length > 0;
    form.hidden = !ctx.editable || profile.erased;
  }

  function reset() {
    value.value = "";
    showText(error, "");
    verifyNotes.clear();
    lastProfile = null;
  }

  return { el: section.el, render, reset };
}
