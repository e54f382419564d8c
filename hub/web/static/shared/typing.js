/** "Is typing" in both directions: telling the other side, and showing that they are. */
import { t } from "./i18n.js";

const TYPING_IDLE_MS = 2000; // stop "typing" after this much quiet
const TYPING_THROTTLE_MS = 3000; // re-affirm "typing" at most this often
const REMOTE_TYPING_TIMEOUT_MS = 8000; // hide a stale indicator if "typing false" got lost

/**
 * Our own typing, throttled. send(typing, scope) emits it and returns whether it went out;
 * scope is what we type into (the console's conversation id), and a new scope emits at once.
 */
export function typingSignal(send) {
  const t = { active: false, lastEmit: 0, idleTimer: null, scope: null };

  function stop() {
    clearTimeout(t.idleTimer);
    if (!t.active) return;
    t.active = false;
    send(false, t.scope);
  }

  /** Call on every input event with the field's current text. */
  function input(scope, text) {
    if (text === "") {
      stop();
      return;
    }
    const now = Date.now();
    if (!t.active || t.scope !== scope || now - t.lastEmit > TYPING_THROTTLE_MS) {
      if (send(true, scope)) {
        t.active = true;
        t.scope = scope;
        t.lastEmit = now;
      }
    }
    clearTimeout(t.idleTimer);
    t.idleTimer = setTimeout(stop, TYPING_IDLE_MS);
  }

  /** The connection dropped: the hub has forgotten we were typing, so there is none to stop. */
  function forget() {
    t.active = false;
  }

  /** Session over: no timer left behind, nothing sent. */
  function cancel() {
    clearTimeout(t.idleTimer);
    t.active = false;
  }

  return { input, stop, forget, cancel };
}

/**
 * The other side's typing, shown in node; it hides itself if "typing false" never comes.
 * describe(name) words it in the page's catalogue (the widget's and the console's differ).
 */
export function typingIndicator(node, describe = (name) => t("common.typing", { name })) {
  let timer = null;

  function hide() {
    clearTimeout(timer);
    node.hidden = true;
    node.textContent = "";
  }

  function show(name) {
    clearTimeout(timer);
    node.textContent = describe(name);
    node.hidden = false;
    timer = setTimeout(hide, REMOTE_TYPING_TIMEOUT_MS);
  }

  return { show, hide };
}
