/**
 * Consents as a grid, channel by purpose: a tick where the customer agreed, empty where they
 * withdrew, a dash (indeterminate) where nobody ever asked. Each change is one new entry in
 * the hub's append-only ledger; the grid is redrawn from the hub's answer, and the list
 * under it says when, how and under which policy each current choice was given.
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { formatClock, formatDay } from "./formats.js";
import { capitalise, emptyLine, errorLine, profileSection, showFailure, sourceLabel } from "./profile-parts.js";

// Headings may carry soft hyphens (U+00AD) where a long word may break in the narrow grid.
const CHANNELS = [
  ["email", () => t("consent.channel.email")],
  ["phone", () => t("consent.channel.phone")],
  ["wechat", () => t("consent.channel.wechat")],
  ["post", () => t("consent.channel.post")],
];
const PURPOSES = [
  ["service", () => t("consent.purpose.service")],
  ["marketing", () => t("consent.purpose.marketing")],
  ["personalisation", () => t("consent.purpose.personalisation")],
  ["partners", () => t("consent.purpose.partners")],
];
const POLICY_VERSION = "2026-01";

const unhyphenated = (text) => text.replaceAll("\u00ad", "");
const labelOf = (pairs, code) => {
  const found = pairs.find(([value]) => value === code);
  return found ? unhyphenated(found[1]()) : code;
};
const keyOf = (channel, purpose) => `${channel}:${purpose}`;

/** {what: "E-mail · Marketing", how: "granted on 3 Mar at 14:05 via the console (policy 2026-01)"}. */
function describe(entry) {
  const what = `${labelOf(CHANNELS, entry.channel)} \u00b7 ${labelOf(PURPOSES, entry.purpose)}`;
  const how = [
    entry.granted ? t("consent.granted") : t("consent.withdrawn"),
    entry.at ? t("consent.at", { date: formatDay(entry.at), time: formatClock(entry.at) }) : "",
    entry.source ? t("consent.via", { source: sourceLabel(entry.source) }) : "",
    entry.policy_version ? t("consent.policy", { version: entry.policy_version }) : "",
  ];
  return { what, how: how.filter(Boolean).join(" ") };
}

export function consentsSection(ctx) {
  const section = profileSection(t("profile.consents"), { "data-testid": "profile-consents" });
  const boxes = new Map(); // "channel:purpose" -> checkbox
  const head = el("tr", {}, [
    el("td"),
    ...PURPOSES.map(([, label]) => el("th", { text: label(), attrs: { scope: "col" } })),
  ]);
  const rows = CHANNELS.map(([channel, channelLabel]) =>
    el("tr", {}, [
      el("th", { text: channelLabel(), attrs: { scope: "row" } }),
      ...PURPOSES.map(([purpose, purposeLabel]) => {
        const box = el("input", {
          attrs: {
            type: "checkbox",
            "aria-label": t("consent.cell", { channel: channelLabel(), purpose: unhyphenated(purposeLabel()) }),
            "data-testid": "profile-consent",
            "data-channel": channel,
            "data-purpose": purpose,
          },
        });
        box.addEventListener("change", () => toggle(channel, purpose, box.checked));
        boxes.set(keyOf(channel, purpose), box);
        return el("td", {}, [box]);
      }),
    ]),
  );
  const table = el("table", { className: "profile-consent-grid" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  const legend = el("p", {
    className: "profile-item-meta",
    text: t("consent.legend"),
  });
  const ledger = el("ul", { className: "profile-list profile-consent-ledger" });
  const empty = emptyLine(t("consent.none"));
  const error = errorLine("profile-consent-error");
  section.body.append(el("div", { className: "profile-consent-scroll" }, [table]), legend, error, ledger, empty);
  let entries = [];
  let busy = false;

  function show(consents) {
    entries = Array.isArray(consents) ? consents : [];
    const byKey = new Map(entries.map((entry) => [keyOf(entry.channel, entry.purpose), entry]));
    for (const [key, box] of boxes) {
      const entry = byKey.get(key);
      box.indeterminate = !entry;
      box.checked = Boolean(entry && entry.granted);
      box.dataset.state = entry ? (entry.granted ? "granted" : "withdrawn") : "unknown";
      box.title = entry ? capitalise(describe(entry).how) : t("consent.neverAsked");
      box.disabled = busy || !ctx.editable;
    }
    ledger.replaceChildren(
      ...entries.map((entry) => el("li", { className: "profile-consent-line", text: t("consent.line", describe(entry)) })),
    );
    empty.hidden = entries.length > 0;
  }

  async function toggle(channel, purpose, granted) {
    const customerId = ctx.customerId;
    busy = true;
    showText(error, "");
    for (const box of boxes.values()) box.disabled = true; // the clicked box shows the choice meanwhile
    try {
      const answer = await api("POST", `/api/customers/${encodeURIComponent(customerId)}/consents`, {
        channel,
        purpose,
        granted,
        policy_version: POLICY_VERSION,
      });
      busy = false;
      if (customerId !== ctx.customerId) return;
      // The hub answers with the current consents (a list); be lenient about a wrapper.
      show(Array.isArray(answer) ? answer : answer && answer.consents);
    } catch (err) {
      busy = false;
      if (customerId !== ctx.customerId) return;
      show(entries); // back to what the ledger says
      showFailure(error, err);
    }
  }

  return {
    el: section.el,
    render(profile) {
      section.el.hidden = Boolean(profile.erased) && !(profile.consents || []).length;
      show(profile.consents);
    },
    reset() {
      busy = false;
      showText(error, "");
      show([]);
    },
  };
}
