/**
 * Offers: shoppers the hub proposes to this ambassador, each with a countdown, to accept
 * (the conversation becomes ours and opens) or decline.
 */
import { el, showText } from "../shared/dom.js";
import { formatNumber, t } from "../shared/i18n.js";
import { alertNewOffer, updateTitle } from "./attention.js";
import { channelLabel } from "./channels.js";
import { selectConversation } from "./conversation-pane.js";
import { renderConversationList, upsertConversation } from "./conversations.js";
import { customerName, renderTier } from "./customer.js";
import { dom } from "./elements.js";
import { formatCountdown, languageName } from "./formats.js";
import { announce, toast } from "./notices.js";
import { createOfferDetails, fillOfferDetails } from "./offer-details.js";
import { createOfferVoice, fillOfferVoice } from "./offer-voice.js";
import { emitNow } from "./socket.js";
import { state } from "./state.js";
import { seedVoiceState } from "./voice-state.js";

// Accept errors meaning the offer is gone for good (remove it rather than offer a retry).
const OFFER_GONE = /expired|revoked|declined|taken|not_found|conflict|gone/;

export function onOffer(payload) {
  if (!payload || !payload.offer_id) return;
  const expires = Date.parse(payload.expires_at);
  if (!Number.isNaN(expires) && expires <= Date.now()) return;
  const existing = state.offers.get(payload.offer_id);
  if (existing) existing.offer = payload;
  else state.offers.set(payload.offer_id, createOffer(payload));
  renderOffer(state.offers.get(payload.offer_id));
  renderOffersMeta();
  if (!existing) {
    const values = { headline: offerHeadline(payload), name: customerName(payload.customer) };
    announce(payload.preferred ? t("offers.announceYourClient", values) : t("offers.announce", values));
    alertNewOffer(payload); // in the background: a notification and a chime
  }
}

/** "New offer", or what a phone offer is ("Callback request", "Incoming call from …"). */
function offerHeadline(offer) {
  const entry = state.offers.get(offer.offer_id);
  return (entry && !entry.voice.el.hidden && entry.voice.kind.textContent) || t("offers.newOffer");
}

function createOffer(offer) {
  const nameId = `offer-name-${offer.offer_id}`;
  const name = el("h3", { className: "offer-name", attrs: { id: nameId } });
  const tier = el("span", { className: "tier" });
  const meta = el("p", { className: "offer-meta" });
  const countdown = el("p", { className: "offer-countdown", attrs: { "data-testid": "offer-countdown" } });
  const error = el("p", { className: "form-error", attrs: { role: "alert" } });
  error.hidden = true;
  const accept = el("button", {
    className: "button button-primary",
    text: t("offers.accept"),
    attrs: { type: "button", "data-testid": "offer-accept", "aria-describedby": nameId },
  });
  const decline = el("button", {
    className: "button button-outline",
    text: t("offers.decline"),
    attrs: { type: "button", "data-testid": "offer-decline", "aria-describedby": nameId },
  });
  const details = createOfferDetails();
  const voice = createOfferVoice();
  const item = el("li", { className: "offer", attrs: { "data-testid": "offer", "data-offer-id": offer.offer_id } }, [
    el("div", { className: "offer-top" }, [name, el("span", { className: "offer-badges" }, [details.preferred, tier])]),
    meta,
    voice.el,
    details.note,
    details.history,
    countdown,
    error,
    el("div", { className: "offer-actions" }, [accept, decline]),
  ]);
  accept.addEventListener("click", () => acceptOffer(offer.offer_id));
  decline.addEventListener("click", () => declineOffer(offer.offer_id));
  dom.offersList.appendChild(item);
  return { offer, el: item, name, tier, meta, details, voice, countdown, error, accept, decline };
}

function renderOffer(entry) {
  const { offer } = entry;
  const conversation = offer.conversation || {};
  const customer = offer.customer || conversation.customer || {};
  entry.name.textContent = customerName(customer);
  renderTier(entry.tier, customer.tier);
  const voiceKind = fillOfferVoice(entry.voice, offer);
  // A phone offer says what it is in its own first line; the channel's name would repeat it.
  entry.meta.textContent = [
    voiceKind ? "" : channelLabel(conversation.channel),
    conversation.store,
    languageName(conversation.language),
  ]
    .filter(Boolean)
    .join(" \u00b7 ");
  entry.el.dataset.voice = voiceKind;
  fillOfferDetails(entry.details, offer);
  entry.el.classList.toggle("offer-preferred", Boolean(offer.preferred));
  updateCountdown(entry);
}

/** Returns false once the offer has expired. */
function updateCountdown(entry) {
  const expires = Date.parse(entry.offer.expires_at);
  if (Number.isNaN(expires)) {
    entry.countdown.textContent = "";
    return true;
  }
  const left = expires - Date.now();
  if (left <= 0) return false;
  entry.countdown.textContent = t("offers.expiresIn", { time: formatCountdown(left) });
  entry.el.classList.toggle("offer-urgent", left < 10000);
  return true;
}

/** Runs every second: refresh countdowns and drop offers whose time has passed. */
export function tickOffers() {
  for (const [offerId, entry] of state.offers) {
    if (!updateCountdown(entry)) removeOffer(offerId);
  }
}

function removeOffer(offerId) {
  const entry = state.offers.get(offerId);
  if (!entry) return;
  state.offers.delete(offerId);
  entry.el.remove();
  renderOffersMeta();
}

/** The count in the heading and the "no offers" line, which depends on our presence. */
export function renderOffersMeta() {
  const count = state.offers.size;
  dom.offersEmpty.hidden = count > 0;
  dom.offersEmpty.textContent =
    dom.presence.value === "available" ? t("offers.emptyAvailable") : t("offers.emptyAway");
  dom.offersCount.textContent = count ? t("offers.count", { count: formatNumber(count) }) : "";
  updateTitle();
}

function setOfferBusy(entry, busy) {
  entry.accept.disabled = busy;
  entry.decline.disabled = busy;
}

function showOfferError(entry, message) {
  showText(entry.error, message);
}

function acceptOffer(offerId) {
  const entry = state.offers.get(offerId);
  if (!entry) return;
  setOfferBusy(entry, true);
  showOfferError(entry, "");
  const sent = emitNow("accept", { offer_id: offerId }, (ack) => onAcceptAck(offerId, entry, ack));
  if (!sent) {
    setOfferBusy(entry, false);
    showOfferError(entry, t("common.notConnected"));
  }
}

function onAcceptAck(offerId, entry, ack) {
  if (!ack || ack.error || !ack.conversation) {
    const error = (ack && ack.error) || {};
    const message = error.message || t("offers.acceptFailed");
    if (OFFER_GONE.test(error.code || "")) {
      removeOffer(offerId);
      toast(message);
    } else {
      setOfferBusy(entry, false);
      showOfferError(entry, message);
    }
    return;
  }
  removeOffer(offerId);
  seedVoiceState(ack.conversation.id, entry.offer.voice); // the call card shows before the timeline loads
  const customer = ack.conversation.customer || entry.offer.customer;
  upsertConversation({ ...ack.conversation, customer, transfer_note: entry.offer.note || null });
  renderConversationList();
  selectConversation(ack.conversation.id);
}

function declineOffer(offerId) {
  const entry = state.offers.get(offerId);
  if (!entry) return;
  // Optimistic: the ambassador said no, so the card goes now whatever the hub replies.
  removeOffer(offerId);
  emitNow("decline", { offer_id: offerId }, (ack) => {
    if (ack && ack.error) toast(ack.error.message || t("offers.declineFailed"));
  });
}

export function onOfferRevoked(payload) {
  if (!payload || !state.offers.has(payload.offer_id)) return;
  removeOffer(payload.offer_id);
  announce(t("offers.withdrawn"));
}
