/**
 * The call card above a phone conversation's timeline: who to call and about what, the
 * shopper's window (in their zone and ours), the number as a tel: link and, when the store's
 * voice provider can, "Call via provider"; which try this is, and the outcome to record
 * (call-outcome.js). A caller on the line (a screen pop) shows their number the same way.
 */
import { button, el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { callBridge } from "./call-bridge.js";
import { callOutcome } from "./call-outcome.js";
import { resultLine, tryLabel, windowLines } from "./callback-text.js";
import { onCallbackRecorded } from "./callback-notice.js";
import { customerName, renderTier } from "./customer.js";
import { dom } from "./elements.js";
import { formatDuration, formatStamp } from "./formats.js";
import { formatPhone, telHref } from "./phone-number.js";
import { state } from "./state.js";
import { highestSeq } from "./timeline.js";
import { renderVoiceComposer } from "./voice-composer.js";
import { setVoiceState, voiceState } from "./voice-state.js";

const TEXT = {
  kind: {
    callback: () => t("callback.request"),
    incoming: () => t("call.incoming"),
    phone: () => t("call.phone"),
  },
  direction: {
    inbound: () => t("call.direction.inbound"),
    outbound: () => t("call.direction.outbound"),
    bridge: () => t("call.direction.outbound"),
  },
  // The provider's call statuses (hub.db.voice_models.VoiceCall.status).
  status: {
    ringing: () => t("call.status.ringing"),
    "in-progress": () => t("call.status.inProgress"),
    completed: () => t("call.status.completed"),
    busy: () => t("call.status.busy"),
    failed: () => t("call.status.failed"),
    "no-answer": () => t("call.status.noAnswer"),
    canceled: () => t("call.status.canceled"),
  },
  callLine: (parts) => parts.filter(Boolean).join(" \u00b7 "),
};

const said = (words, code) => (words[code] ? words[code]() : code);

let parts = null;
const refresh = { ticket: 0, timer: null };

function build() {
  const kind = el("p", { className: "call-card-kind", attrs: { "data-testid": "call-card-kind" } });
  const attempts = el("span", {
    className: "badge call-card-attempts",
    attrs: { "data-testid": "call-card-attempts" },
  });
  const name = el("h3", {
    className: "call-card-name",
    attrs: { id: "call-card-title", "data-testid": "call-card-name" },
  });
  const tier = el("span", { className: "tier" });
  const profile = button(t("call.profile"), "link-button call-card-profile", "call-card-profile");
  profile.setAttribute("aria-controls", "profile-panel");
  profile.addEventListener("click", revealProfile);
  const topic = el("p", { className: "call-card-line", attrs: { "data-testid": "call-card-topic" } });
  const when = el("div", { className: "call-card-line", attrs: { "data-testid": "call-card-window" } });
  const tel = el("a", { className: "button button-primary call-card-tel", attrs: { "data-testid": "call-card-tel" } });
  const noNumber = el("p", { className: "call-card-line", text: t("call.noNumber") });
  const bridge = callBridge();
  const result = el("p", { className: "call-card-result", attrs: { "data-testid": "call-card-result" } });
  const calls = el("ul", {
    className: "call-card-calls",
    attrs: { "aria-label": t("call.calls"), "data-testid": "call-card-calls" },
  });
  const outcome = callOutcome(onCallbackRecorded);
  dom.callCard.replaceChildren(
    el("div", { className: "call-card-top" }, [kind, attempts]),
    el("div", { className: "call-card-who" }, [name, tier, profile]),
    topic,
    when,
    el("div", { className: "call-card-actions" }, [tel, noNumber, bridge.button]),
    ...bridge.feedback,
    result,
    outcome.el,
    calls,
  );
  parts = { kind, attempts, name, tier, profile, topic, when, tel, noNumber, bridge, result, calls, outcome };
  return parts;
}

/** The profile beside the conversation: unfolded where it folds (narrow screens), then shown. */
function revealProfile() {
  if (dom.profilePanel.hidden) return;
  const folds = window.getComputedStyle(dom.profileToggle).display !== "none";
  if (folds && dom.profileToggle.getAttribute("aria-expanded") !== "true") dom.profileToggle.click();
  dom.profilePanel.scrollIntoView({ block: "nearest", behavior: "smooth" });
  const heading = dom.profilePanel.querySelector("#profile-name");
  if (heading && heading.offsetParent) heading.focus();
  else dom.profileToggle.focus();
}

function labeled(label, text) {
  return [el("span", { className: "call-card-label", text: `${label} ` }), document.createTextNode(text)];
}

function callItem(call) {
  const staff = typeof call.staff === "string" ? call.staff : call.staff && call.staff.name;
  const seconds = Number(call.duration_seconds);
  return el("li", {
    text: TEXT.callLine([
      said(TEXT.direction, call.direction),
      said(TEXT.status, call.status),
      Number.isFinite(seconds) && seconds > 0 ? formatDuration(seconds) : "",
      staff,
      formatStamp(call.created_at),
    ]),
  });
}

function kindOf(voice) {
  if (voice.callback) return "callback";
  if (voice.call && voice.call.ringing) return "incoming";
  return "phone";
}

/** Shows (or hides) the card for the conversation on screen. */
export function renderCallCard(conversation) {
  const voice = conversation && conversation.channel === "voice" ? voiceState(conversation.id) : null;
  if (!voice) {
    dom.callCard.hidden = true;
    if (parts) {
      parts.outcome.reset();
      parts.bridge.show(null, false);
    }
    return;
  }
  const p = parts || build();
  const callback = voice.callback;
  const kind = kindOf(voice);
  dom.callCard.dataset.kind = kind;
  p.kind.textContent = TEXT.kind[kind]();
  showText(p.attempts, callback && callback.status === "queued" ? tryLabel(callback) : "");
  const customer = conversation.customer || {};
  p.name.textContent = (callback && callback.name) || customerName(customer);
  renderTier(p.tier, customer.tier);
  p.profile.hidden = !customer.id;
  const topic = callback && typeof callback.topic === "string" ? callback.topic.trim() : "";
  p.topic.replaceChildren(...(topic ? labeled(t("call.topic"), topic) : []));
  p.topic.hidden = !topic;
  p.when.replaceChildren(...(callback ? labeled(t("call.when"), windowLines(callback.window).join(" \u00b7 ")) : []));
  p.when.hidden = !callback;
  const phone = voice.phone || (callback && callback.phone) || "";
  p.tel.hidden = !phone;
  p.noNumber.hidden = Boolean(phone);
  if (phone) {
    p.tel.textContent = t("call.dial", { number: formatPhone(phone) });
    p.tel.setAttribute("href", telHref(phone));
  }
  const open = conversation.status === "assigned";
  p.bridge.show(conversation.id, Boolean(voice.bridge && phone && open), formatPhone(phone));
  showText(p.result, resultLine(callback));
  p.outcome.show(conversation.id, callback, Boolean(callback && callback.status === "queued" && open));
  const stamp = (call) => Date.parse(call.created_at) || 0;
  const recent = [...voice.calls].sort((a, b) => stamp(b) - stamp(a)).slice(0, 3);
  p.calls.replaceChildren(...recent.map(callItem));
  p.calls.hidden = recent.length === 0;
  dom.callCard.hidden = false;
}

/**
 * Something happened in the open phone conversation (a call rang, ended, left a voicemail):
 * the hub's channel_state is read again, once things settle, for the card and the composer.
 */
export function refreshCallCard(conversationId) {
  clearTimeout(refresh.timer);
  refresh.timer = setTimeout(async () => {
    const ticket = ++refresh.ticket;
    let data;
    try {
      data = await api("GET", `/api/conversations/${encodeURIComponent(conversationId)}?after_seq=${highestSeq()}`);
    } catch (_err) {
      return; // the card stays as it was; the next message or reconnect asks again
    }
    if (ticket !== refresh.ticket || conversationId !== state.selectedId) return;
    setVoiceState(conversationId, data.channel_state);
    const conversation = state.conversations.get(conversationId);
    if (!conversation) return;
    renderVoiceComposer(conversation);
    renderCallCard(conversation);
  }, 300);
}
