/**
 * How the customer can be reached and recognised: each identity with whether the channel
 * proved it (verified) or the shopper only said so (claimed), and a form to add an e-mail
 * address or phone number. What an ambassador adds is a claim until a manager verifies it.
 */
import { button, el, showText } from "../shared/dom.js";
import { api } from "./api.js";
import { emptyLine, errorLine, kindLabel, profileSection, showFailure } from "./profile-parts.js";

/** One identity as a list item; shared with the merge candidates' summaries. */
export function identityItem(identity, testid) {
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
        text: verified ? "\u2713 verified" : "claimed, not verified",
      }),
    ],
  );
}

export function identitiesSection(ctx) {
  const section = profileSection("Identities", { "data-testid": "profile-identities" });
  const list = el("ul", { className: "profile-list profile-identities" });
  const empty = emptyLine("No identities recorded.");
  const kind = el("select", { attrs: { "aria-label": "Kind", "data-testid": "profile-identity-kind" } }, [
    el("option", { text: "E-mail", attrs: { value: "email" } }),
    el("option", { text: "Phone", attrs: { value: "phone" } }),
  ]);
  const value = el("input", {
    attrs: {
      type: "text",
      autocomplete: "off",
      "aria-label": "E-mail address or phone number",
      placeholder: "name@example.com or +33 1 42 96 50 00",
      "data-testid": "profile-identity-value",
    },
  });
  const add = button("Add", "button button-outline", "profile-identity-add", "submit");
  const error = errorLine("profile-identity-error");
  const form = el("form", { className: "profile-inline-form", attrs: { novalidate: "" } }, [
    el("p", { className: "profile-form-title", text: "Add e-mail/phone" }),
    el("div", { className: "profile-inline-row" }, [kind, value, add]),
    error,
  ]);
  section.body.append(list, empty, form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = value.value.trim();
    if (!text) {
      showText(error, "Enter an e-mail address or a phone number.");
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
    const identities = Array.isArray(profile.identities) ? profile.identities : [];
    list.replaceChildren(...identities.map((identity) => identityItem(identity, "profile-identity")));
    empty.hidden = identities.length > 0;
    form.hidden = !ctx.editable || profile.erased;
  }

  function reset() {
    value.value = "";
    showText(error, "");
  }

  return { el: section.el, render, reset };
}
