/**
 * Where a rating link lands (/rate#TOKEN, from an e-mail, a WeChat text or a text message).
 * The token arrives in the URL fragment, which browsers never send to a server; it is taken
 * out of the address bar at once and sent only in POST bodies. The page speaks the language
 * the question was asked in (the hub's answer to the lookup), right to left for Arabic.
 * All text goes through textContent.
 */
import { showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { takeLinkToken } from "../shared/link-token.js";
import { translateOwnPage } from "../shared/page-language.js";
import { answer, lookup } from "./api.js";
import { renderScores } from "./scores.js";

const form = document.getElementById("rate-form");
const question = document.getElementById("rate-question");
const scoresBox = document.getElementById("rate-scores");
const comment = document.getElementById("rate-comment");
const sendButton = document.getElementById("rate-send");
const statusLine = document.getElementById("rate-status");
const errorLine = document.getElementById("rate-error");

const token = takeLinkToken();

const chosen = { score: null, busy: false };

function failure(status, data) {
  const code = data && data.error && data.error.code;
  if (status === 0) return t("common.unreachable");
  if (status === 404) return t("feedback.invalidLink");
  if (status === 409 && code === "already_answered") return t("feedback.already");
  if (status === 410) return t("feedback.expired");
  if (status === 429) return t("feedback.busy");
  return t("feedback.failed");
}

function finished(text) {
  form.hidden = true;
  showText(errorLine, "");
  showText(statusLine, text);
}

async function send(event) {
  event.preventDefault();
  if (chosen.busy || chosen.score === null) return;
  chosen.busy = true;
  sendButton.disabled = true;
  showText(errorLine, "");
  showText(statusLine, t("feedback.sending"));
  const { status, data } = await answer(token, chosen.score, comment.value.trim());
  chosen.busy = false;
  if (status === 200) {
    finished(t("feedback.thanksPage"));
    return;
  }
  showText(statusLine, "");
  if (status === 409 || status === 404 || status === 410) {
    finished("");
    showText(errorLine, failure(status, data));
    return;
  }
  sendButton.disabled = false;
  showText(errorLine, failure(status, data));
}

function show(found) {
  const kind = found.kind === "nps" ? "nps" : "csat";
  question.textContent = t(`feedback.${kind}.pageQuestion`, { store: found.store || "" });
  document.title = question.textContent;
  if (found.answered) {
    finished(t("feedback.already"));
    return;
  }
  const mark = renderScores(scoresBox, kind, found.scale, (score) => {
    chosen.score = score;
    mark(score);
    sendButton.disabled = false;
  });
  document.getElementById("rate-low").textContent = t(`feedback.${kind}.low`);
  document.getElementById("rate-high").textContent = t(`feedback.${kind}.high`);
  form.hidden = false;
  form.addEventListener("submit", send);
}

async function start() {
  if (!token) {
    await translateOwnPage();
    question.textContent = t("feedback.pageTitle");
    showText(errorLine, t("feedback.incompleteLink"));
    return;
  }
  const { status, data } = await lookup(token);
  const ok = status === 200 && data && Array.isArray(data.scale);
  await translateOwnPage(ok && data.language ? { page: data.language } : {});
  if (!ok) {
    question.textContent = t("feedback.pageTitle");
    showText(errorLine, failure(status, data));
    return;
  }
  show(data);
}

start();
