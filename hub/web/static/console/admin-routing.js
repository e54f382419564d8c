/**
 * Administration → Routing: how offers go round (time-out, grace, overflow, relaxing
 * language and skills, the preferred ambassador's wait) and how much of an ambassador's
 * capacity each channel takes. The hub's defaults (the settings file) show as placeholders
 * and hints; "Reset to default" drops an override. Managers read, admins change.
 */
import { button, el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { api } from "./api.js";
import { isAdmin, when } from "./admin-data.js";
import { adminForm, checkbox, input, pageHeader, section, statusLine } from "./admin-forms.js";
import { changedFields, numberOrText } from "./admin-rules.js";
import { formatDuration } from "./formats.js";
import { announce } from "./notices.js";
import { sessionEnded } from "./session.js";

const SECONDS = [
  ["offer_timeout_seconds", "admin.routing.offerTimeout", 5, 600],
  ["disconnect_grace_seconds", "admin.routing.grace", 0, 600],
  ["preferred_wait_seconds", "admin.routing.preferredWait", 0, 3600],
  ["relax_language_after_seconds", "admin.routing.relaxLanguage", 0, 3600],
  ["relax_skills_after_seconds", "admin.routing.relaxSkills", 0, 3600],
  ["overflow_region_after_seconds", "admin.routing.overflowRegion", 0, 3600],
  ["overflow_service_centre_after_seconds", "admin.routing.overflowCentre", 0, 3600],
];
const CHANNELS = ["webchat", "wechat", "email", "voice"];

const weightText = (weight) => (weight === null || weight === undefined ? t("admin.routing.allAttention") : formatNumber(weight));

export function routingTab() {
  const root = el("div", { className: "admin-page", attrs: { "data-testid": "admin-routing" } });
  let ticket = 0;

  async function show() {
    const mine = ++ticket;
    const header = pageHeader(t("admin.routing.title"));
    const status = statusLine("admin-routing-status");
    root.replaceChildren(header.el, el("p", { className: "field-hint", text: t("admin.routing.intro") }), status);
    showText(status, t("admin.loading"));
    let answer;
    try {
      answer = await api("GET", "/api/admin/routing");
    } catch (err) {
      if (mine !== ticket) return;
      if (err && err.status === 401) sessionEnded();
      else showText(status, err.message);
      return;
    }
    if (mine !== ticket) return;
    showText(status, "");
    render(answer);
  }

  function render(answer, notice = "") {
    const { settings, defaults } = answer;
    const editable = isAdmin();
    const changed = el("p", { className: "admin-row-meta", attrs: { "data-testid": "admin-routing-changed" } });
    changed.textContent = answer.updated_at
      ? t("admin.routing.changedBy", {
          name: (answer.updated_by && answer.updated_by.name) || t("common.aColleague"),
          date: when(answer.updated_at),
        })
      : t("admin.routing.neverChanged");
    const readOnly = el("p", {
      className: "notice",
      text: t("admin.routing.readOnly"),
      attrs: { "data-testid": "admin-routing-readonly" },
    });
    readOnly.hidden = editable;
    const saved = el("p", { className: "admin-saved", attrs: { role: "status", "data-testid": "admin-routing-saved" } });
    showText(saved, notice);

    const save = async (body) => {
      showText(saved, "");
      const next = await api("PATCH", "/api/admin/routing", body);
      announce(t("admin.saved"));
      render(next, t("admin.saved"));
    };

    const form = adminForm({
      testid: "admin-routing-form",
      submitLabel: t("admin.save"),
      aliases: Object.fromEntries(CHANNELS.map((channel) => [`channel_weights.${channel}`, `weight_${channel}`])),
      onSubmit: async () => {
        const before = {};
        const after = {};
        for (const [name] of SECONDS) {
          before[name] = settings[name];
          after[name] = numberOrText(form.value(name));
        }
        const weights = {};
        for (const channel of CHANNELS) {
          const all = form.value(`all_${channel}`);
          const value = all ? null : numberOrText(form.value(`weight_${channel}`));
          if (value !== settings.channel_weights[channel] && !(value === null && !all)) weights[channel] = value;
        }
        const body = changedFields(before, after);
        // An emptied field goes back to its default.
        for (const [name, value] of Object.entries(body)) if (value === null && settings[name] === defaults[name]) delete body[name];
        if (Object.keys(weights).length) body.channel_weights = weights;
        if (!Object.keys(body).length) {
          showText(saved, t("admin.nothingChanged"));
          return;
        }
        await save(body);
      },
    });

    function resetButton(label, body, testid, visible) {
      const reset = button(t("admin.routing.reset"), "button button-quiet button-small", testid);
      reset.setAttribute("aria-label", t("admin.routing.resetLabel", { name: label }));
      reset.hidden = !editable || !visible;
      reset.addEventListener("click", async () => {
        reset.disabled = true;
        try {
          await save(body);
        } catch (err) {
          reset.disabled = false;
          form.showError(err);
        }
      });
      return reset;
    }

    for (const [name, key, min, max] of SECONDS) {
      const label = t(key);
      const field = input(`admin-routing-${name}`, { type: "number", min, max, step: 1, placeholder: String(defaults[name]) });
      const control = form.add(name, label, field, {
        hint: t("admin.routing.defaultIs", { value: formatDuration(defaults[name]) }),
      });
      control.set(settings[name]);
      const changed = settings[name] !== defaults[name];
      control.node.parentElement.append(resetButton(label, { [name]: null }, `admin-routing-reset-${name}`, changed));
    }
    const channelGroups = [];
    for (const channel of CHANNELS) {
      const label = t(`admin.routing.channel.${channel}`);
      const byDefault = weightText(defaults.channel_weights[channel]);
      const field = input(`admin-routing-weight-${channel}`, { type: "number", min: 0.1, max: 50, step: 0.1, placeholder: byDefault });
      const value = form.add(`weight_${channel}`, t("admin.routing.weight"), field, {
        hint: t("admin.routing.defaultIs", { value: weightText(defaults.channel_weights[channel]) }),
      });
      const all = form.add(`all_${channel}`, t("admin.routing.allAttentionBox"), checkbox(`admin-routing-all-${channel}`));
      const current = settings.channel_weights[channel];
      all.set(current === null);
      value.set(current);
      value.node.disabled = current === null || !editable;
      all.node.addEventListener("change", () => {
        value.node.disabled = all.get();
      });
      channelGroups.push(form.group(label, [`weight_${channel}`, `all_${channel}`]));
    }
    const weights = el("div", { className: "admin-weights" }, channelGroups);
    const weightsGroup = el("fieldset", { className: "admin-field admin-field-wide admin-subgroup" }, [
      el("legend", { text: t("admin.routing.weightsTitle") }),
      el("p", { className: "field-hint", text: t("admin.routing.weightsHint") }),
      weights,
    ]);
    form.el.querySelector(".admin-fields").append(weightsGroup);
    const weightsChanged = CHANNELS.some((channel) => settings.channel_weights[channel] !== defaults.channel_weights[channel]);
    const resetWeights = resetButton(t("admin.routing.weights"), { channel_weights: null }, "admin-routing-reset-weights", weightsChanged);
    form.actions.append(resetWeights, saved);
    if (!editable) form.readOnly(true);

    root.replaceChildren(
      pageHeader(t("admin.routing.title")).el,
      el("p", { className: "field-hint", text: t("admin.routing.intro") }),
      changed,
      readOnly,
      section(t("admin.routing.settings"), [form.el], "admin-routing-settings"),
    );
  }

  return { el: root, show };
}
