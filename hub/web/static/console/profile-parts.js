/**
 * Small pieces the customer profile's sections share: a section frame, labels for the
 * hub's codes (identity kinds, consent sources), money per currency, and failure handling.
 */
import { el, showText } from "../shared/dom.js";
import { formatPrice, t } from "../shared/i18n.js";
import { sessionEnded } from "./session.js";

const KIND_LABELS = {
  email: () => t("identity.kind.email"),
  phone: () => t("identity.kind.phone"),
  visitor: () => t("identity.kind.visitor"),
  wechat_openid: () => t("identity.kind.wechatOpenid"),
  wechat_unionid: () => t("identity.kind.wechatUnionid"),
  pos_customer_no: () => t("identity.kind.posCustomerNo"),
  external: () => t("identity.kind.external"),
};

const SOURCE_LABELS = {
  chat_form: () => t("consent.source.chatForm"),
  console: () => t("consent.source.console"),
  import: () => t("consent.source.import"),
  email_link: () => t("consent.source.emailLink"),
  api: () => t("consent.source.api"),
};

export const kindLabel = (kind) => (KIND_LABELS[kind] ? KIND_LABELS[kind]() : kind || "");
export const sourceLabel = (source) => (SOURCE_LABELS[source] ? SOURCE_LABELS[source]() : source || "");
export const capitalise = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : "");

/** "€1,250.00" in the console's language; "1250.00 XYZ" for a code Intl does not know. */
export function formatMoney(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return "";
  if (!currency) return String(amount);
  try {
    return formatPrice(value, currency);
  } catch (_err) {
    return `${amount} ${currency}`;
  }
}

/** A titled part of the profile: {el, body}; extra attrs go on the section (data-testid). */
export function profileSection(title, attrs = {}) {
  const body = el("div", { className: "profile-section-body" });
  const section = el("section", { className: "profile-section", attrs }, [
    el("h3", { className: "profile-section-title", text: title }),
    body,
  ]);
  return { el: section, body };
}

/** A line of muted text shown while a list is empty. */
export function emptyLine(text) {
  return el("p", { className: "empty profile-empty", text });
}

/** An error line for a form, hidden until there is something to say. */
export function errorLine(testid) {
  const node = el("p", { className: "form-error profile-error", attrs: { role: "alert", "data-testid": testid } });
  node.hidden = true;
  return node;
}

/** A failed request from the profile: a lapsed session goes to sign-in, anything else to node. */
export function showFailure(node, err) {
  if (err && err.status === 401) {
    sessionEnded();
    return;
  }
  showText(node, (err && err.message) || t("common.somethingWentWrong"));
}

/** The error of a socket ack, or "" when the ack is a success with `key`. */
export function ackError(ack, key, fallback) {
  if (ack && !ack.error && ack[key]) return "";
  return (ack && ack.error && ack.error.message) || fallback;
}
