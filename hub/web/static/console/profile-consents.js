/**
 * Consents as a grid, channel by purpose: a tick where the customer agreed, empty where they
 * withdrew, a dash (indeterminate) where nobody ever asked. Each change is one new entry in
 * the hub's append-only ledger; the grid is redrawn from the hub's answer, and the list
 * under it says when, how and under which policy each current choice was given.
 */
import { el, showText } from "../shared/dom.js";
import { formatClock, formatDay } from "../shared/time.js";
import { api } from "./api.js";
import { capitalise, emptyLine, errorLine, profileSection, showFailure, sourceLabel } from "./profile-parts.js";

const CHANNELS = [
  ["email", "E-mail"],
  ["phone", "Phone"],
  ["wechat", "WeChat"],
  ["post", "Post"],
];
const PURPOSES = [
  ["service", "Service"],
  ["marketing", "Marketing"],
  ["personalisation", "Personal\u00adisation"],
  ["partners", "Partners"],
];
const POLICY_VERSION = "2026-01";

const labelOf = (pairs, code) => (pairs.find(([value]) => value === code) || [code, code])[1];
const keyOf = (channel, purpose) => `${channel}:${purpose}`;

function describe(entry) {
  const what = `${labelOf(CHANNELS, entry.channel)} \u00b7 ${labelOf(PURPOSES, entry.purpose).replace("\u00ad", "")}`;
  const how = [
    entry.granted ? "granted" : "withdrawn",
    entry.at ? `on ${formatDay(entry.at)} at ${formatClock(entry.at)}` : "",
    entry.source ? `via ${sourceLabel(entry.source)}` : "",
    entry.policy_version ? `(policy ${entry.policy_version})` : "",
  ];
  return `${what}: ${how.filter(Boolean).join(" ")}`;
}

export function consentsSection(ctx) {
  const section = profileSection("Consents", { "data-testid": "profile-consents" });
  const boxes = new Map(); // "channel:purpose" -> checkbox
  const head = el("tr", {}, [
    el("td"),
    ...PURPOSES.map(([, label]) => el("th", { text: label, attrs: { scope: "col" } })),
  ]);
  const rows = CHANNELS.map(([channel, channelLabel]) =>
    el("tr", {}, [
      el("th", { text: channelLabel, attrs: { scope: "row" } }),
      ...PURPOSES.map(([purpose, purposeLabel]) => {
        const box = el("input", {
          attrs: {
            type: "checkbox",
            "aria-label": `${channelLabel}: ${purposeLabel.replace("\u00ad", "")}`,
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
    text: "Ticked: granted · empty: withdrawn · grey dash: never asked",
  });
  const ledger = el("ul", { className: "profile-list profile-consent-ledger" });
  const empty = emptyLine("No consent recorded yet.");
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
      box.title = entry ? capitalise(describe(entry).split(": ")[1]) : "Never asked";
      box.disabled = busy || !ctx.editable;
    }
    ledger.replaceChildren(
      ...entries.map((entry) => el("li", { className: "profile-consent-line", text: describe(entry) })),
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
