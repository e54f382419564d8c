/**
 * Other profiles that look like the same person (they share an e-mail, phone or POS
 * number), with why, and merging one into the profile shown after an in-page confirmation.
 * The section is hidden while there is no candidate.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { customerName } from "./customer.js";
import { inlineConfirm } from "./inline-confirm.js";
import { identityItem } from "./profile-identities.js";
import { profileSection } from "./profile-parts.js";
import { sessionEnded } from "./session.js";

export function mergeSection(ctx) {
  const section = profileSection(t("merge.title"), { "data-testid": "profile-merge" });
  const list = el("ul", { className: "profile-list" });
  section.body.append(list);
  let confirming = null; // the candidate whose confirmation is open, kept across redraws

  async function merge(other) {
    const customerId = ctx.customerId;
    let profile;
    try {
      profile = await api("POST", `/api/customers/${encodeURIComponent(customerId)}/merge`, { other_id: other.id });
    } catch (err) {
      if (err.status === 401) sessionEnded();
      throw err; // the confirmation shows the message
    }
    confirming = null;
    if (customerId === ctx.customerId) ctx.applyProfile(profile);
  }

  function candidateItem({ customer, reason }) {
    const other = customer || {};
    const start = button(t("merge.start"), "button button-outline", "profile-merge-start");
    const confirm = inlineConfirm({
      message: t("merge.confirm", { name: customerName(other) }),
      confirmLabel: t("merge.confirmLabel"),
      onConfirm: () => merge(other),
      testid: "profile-merge",
    });
    start.addEventListener("click", () => {
      confirming = other.id;
      confirm.open();
    });
    const identities = (other.identities || []).map((identity) => identityItem(identity, "profile-merge-identity"));
    const item = el(
      "li",
      { className: "profile-item profile-candidate", attrs: { "data-testid": "profile-merge-candidate" } },
      [
        el("p", { className: "profile-item-top" }, [
          el("span", { className: "profile-item-title", text: customerName(other) }),
          other.tier ? el("span", { className: "tier", text: other.tier }) : null,
        ]),
        // The reason is the hub's own wording (hub.profiles.merge.suggest).
        reason ? el("p", { className: "profile-item-meta", text: t("merge.why", { reason }) }) : null,
        el("ul", { className: "profile-list profile-identities" }, identities),
        el("div", { className: "profile-form-actions" }, [start]),
        confirm.el,
      ],
    );
    if (confirming === other.id) confirm.open();
    return item;
  }

  function show(candidates) {
    const items = Array.isArray(candidates) ? candidates.filter((c) => c && c.customer) : [];
    if (!items.some((c) => c.customer.id === confirming)) confirming = null;
    list.replaceChildren(...items.map(candidateItem));
    section.el.hidden = items.length === 0;
  }

  return {
    el: section.el,
    render(profile) {
      show(ctx.editable && !profile.erased ? profile.merge_candidates : []);
    },
    reset() {
      confirming = null;
      show([]);
    },
  };
}
