/**
 * Starting the widget: configuration, the language (chosen by the hub, its catalogue
 * loaded), the elements and their events, then a background connection for a returning
 * visitor. widget.js (the entry) calls start().
 */
import { sendOnSubmitOrEnter } from "../shared/composer.js";
import { applyLanguage } from "../shared/i18n.js";
import { settleLanguage } from "../shared/page-language.js";
import { attachAboutYou } from "./about-you.js";
import { onLocalTyping, sendFromInput } from "./composer.js";
import { ensureConnected } from "./connection.js";
import { config, configure } from "./config.js";
import { attachTypingIndicator } from "./incoming.js";
import { attachMessageList, showPending } from "./messages.js";
import { attachOfflineOptions } from "./offline.js";
import { closePanel, openPanel, renderStatus, setConn } from "./panel.js";
import { state } from "./state.js";
import { getToken, readOutbox } from "./storage.js";
import { autosize, buildUi, loadStylesheet, ui } from "./ui.js";
import { attachUploads } from "./uploads.js";

function wireUi() {
  ui.launcher.addEventListener("click", () => (state.open ? closePanel() : openPanel()));
  ui.closeButton.addEventListener("click", () => {
    closePanel();
    ui.launcher.focus();
  });
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closePanel();
      ui.launcher.focus();
    }
  });
  sendOnSubmitOrEnter(ui.form, ui.input, sendFromInput);
  ui.input.addEventListener("input", () => {
    autosize();
    onLocalTyping();
  });
}

function run() {
  buildUi();
  // The panel speaks the chosen language, right to left for Arabic; the launcher keeps its corner.
  applyLanguage(ui.root, config.language);
  attachMessageList();
  attachTypingIndicator();
  attachOfflineOptions();
  attachAboutYou({ newcomer: !getToken() });
  attachUploads();
  wireUi();
  loadStylesheet();
  renderStatus();
  // Show messages still waiting in the outbox right away.
  for (const item of readOutbox()) showPending(item);
  // A returning visitor (or one with unsent messages) reconnects in the background, so
  // replies raise the unread badge and the outbox drains without opening the panel.
  if (getToken() || readOutbox().length) ensureConnected();
  else setConn("idle");
}

/** options: {scriptUrl, hubBase, staticBase}, worked out by widget.js. */
export async function start(options) {
  configure(options);
  config.language = await settleLanguage({
    hubBase: config.hubBase,
    store: config.store,
    page: config.pageLanguage,
    visitorToken: getToken(),
  });
  if (document.body) run();
  else document.addEventListener("DOMContentLoaded", run, { once: true });
}
