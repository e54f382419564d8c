/**
 * "Follow-up" in the customer's profile: a new task for them, or "Reach out" on a channel
 * they agreed to (the same dialogs as My clients). Hidden for an erased profile.
 */
import { button, el } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { clientActions } from "./my-clients.js";
import { profileSection } from "./profile-parts.js";

export function followUpSection(ctx) {
  const section = profileSection(t("clients.profile.title"), { "data-testid": "profile-follow-up" });
  const task = button(t("clients.newTask"), "button button-outline", "profile-new-task");
  const reach = button(t("clients.reachOut"), "button button-outline", "profile-reach-out");
  const client = { id: null, name: "" };
  task.addEventListener("click", () => client.id && clientActions.newTask({ ...client }));
  reach.addEventListener("click", () => client.id && clientActions.reachOut({ ...client }));
  section.body.append(el("div", { className: "clients-card-actions" }, [task, reach]));
  return {
    el: section.el,
    render(profile) {
      Object.assign(client, { id: ctx.customerId || profile.id, name: profile.name || "" });
      section.el.hidden = Boolean(profile.erased);
    },
    reset() {
      Object.assign(client, { id: null, name: "" });
    },
  };
}
