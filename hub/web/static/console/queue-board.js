/**
 * The live queue, for store managers: per boutique, who is waiting (in the order they will
 * be served) and who is on duty, with their load. While open it is fetched every 5 s and
 * soon after routing events reach this console; rows are updated in place (queue-rows.js).
 */
import { el, showText } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { api } from "./api.js";
import { closeCalendar } from "./calendar-view.js";
import { setView } from "./conversation-pane.js";
import { dom } from "./elements.js";
import { formatDuration } from "./formats.js";
import { ambassadorRow, syncKeyed, updateAmbassadorRow, updateWaitingRow, waitingRow } from "./queue-rows.js";
import { posUploadSection } from "./pos-upload.js";
import { isManager, sessionEnded } from "./session.js";
import { state } from "./state.js";

const REFRESH_MS = 5000;
const NUDGE_MS = 300;

const board = { open: false, timer: null, nudge: null, inFlight: false, again: false, generation: 0, stores: new Map() };

/** After sign-in: the "Live queue" button is for managers only. */
export function setupQueueBoard() {
  dom.boardOpen.hidden = !isManager();
  if (isManager() && !dom.board.contains(posUploadSection())) dom.boardStores.before(posUploadSection());
}

function openQueueBoard() {
  if (!isManager() || board.open) return;
  closeCalendar({ restoreView: false });
  board.open = true;
  dom.pane.dataset.board = "open";
  dom.board.hidden = false;
  dom.boardOpen.setAttribute("aria-expanded", "true");
  dom.boardLoading.hidden = board.stores.size > 0;
  setView("conversation"); // on a phone the board takes the pane's place
  refreshBoard();
  board.timer = setInterval(refreshBoard, REFRESH_MS);
}

/** restoreView: false when something else (a conversation) takes the pane right away. */
export function closeQueueBoard({ restoreView = true } = {}) {
  if (!board.open) return;
  board.open = false;
  clearInterval(board.timer);
  clearTimeout(board.nudge);
  delete dom.pane.dataset.board;
  dom.board.hidden = true;
  dom.boardOpen.setAttribute("aria-expanded", "false");
  if (restoreView) setView(state.selectedId ? "conversation" : "list");
}

/** Signed out: nothing of the last session's board is kept. */
export function resetQueueBoard() {
  closeQueueBoard({ restoreView: false });
  board.generation += 1;
  board.stores.clear();
  dom.boardStores.replaceChildren();
  showText(dom.boardError, "");
  dom.boardOpen.hidden = true;
}

/** Something routing-related happened: refresh soon (several events make one request). */
export function nudgeQueueBoard() {
  if (!board.open) return;
  clearTimeout(board.nudge);
  board.nudge = setTimeout(refreshBoard, NUDGE_MS);
}

async function refreshBoard() {
  if (!board.open) return;
  if (board.inFlight) {
    board.again = true; // one more once this one is back
    return;
  }
  const generation = board.generation;
  board.inFlight = true;
  try {
    const data = await api("GET", "/api/queue");
    if (board.open && generation === board.generation) {
      showText(dom.boardError, "");
      renderBoard((data && data.stores) || []);
    }
  } catch (err) {
    if (generation !== board.generation) return;
    if (err.status === 401) sessionEnded();
    else if (board.open) showText(dom.boardError, err.message);
  } finally {
    board.inFlight = false;
    dom.boardLoading.hidden = true;
    if (board.again) {
      board.again = false;
      refreshBoard();
    }
  }
}

function storeSection() {
  const title = el("h3", { className: "board-store-name" });
  const summary = el("p", { className: "board-summary" });
  const waitingEmpty = el("p", { className: "empty", text: t("queue.nobodyWaiting") });
  const waiting = el("ol", { className: "board-list board-waiting" });
  const dutyEmpty = el("p", { className: "empty", text: t("queue.noOneConnected") });
  const duty = el("ul", { className: "board-list board-duty" });
  const root = el("section", { className: "board-store", attrs: { "data-testid": "queue-store" } }, [
    el("header", { className: "board-store-header" }, [title, summary]),
    el("div", { className: "board-columns" }, [
      el("div", { className: "board-column" }, [el("h4", { text: t("queue.waiting") }), waitingEmpty, waiting]),
      el("div", { className: "board-column" }, [el("h4", { text: t("queue.onDuty") }), dutyEmpty, duty]),
    ]),
  ]);
  return { el: root, title, summary, waiting, waitingEmpty, duty, dutyEmpty, rows: new Map(), people: new Map() };
}

function updateStoreSection(section, store) {
  const waiting = Array.isArray(store.waiting) ? store.waiting : [];
  // By name, so rows do not swap places from one refresh to the next.
  const people = (Array.isArray(store.ambassadors) ? store.ambassadors : [])
    .slice()
    .sort((a, b) => String(a.name || "").localeCompare(String(b.name || "")));
  section.el.dataset.store = store.store;
  section.title.textContent = store.name && store.name !== store.store ? `${store.name} \u00b7 ${store.store}` : store.store;
  section.summary.textContent = waiting.length
    ? t("queue.summary", { count: waiting.length, longest: formatDuration(store.longest_wait_seconds) })
    : t("queue.summaryNobody");
  section.waitingEmpty.hidden = waiting.length > 0;
  section.dutyEmpty.hidden = people.length > 0;
  const onAssigned = () => nudgeQueueBoard();
  syncKeyed(
    section.waiting,
    section.rows,
    waiting,
    (item) => item.conversation_id,
    (item) => waitingRow(item, onAssigned),
    (row, item) => updateWaitingRow(row, item, people),
  );
  syncKeyed(section.duty, section.people, people, (person) => person.id, ambassadorRow, updateAmbassadorRow);
}

function renderBoard(stores) {
  syncKeyed(dom.boardStores, board.stores, stores, (store) => store.store, storeSection, updateStoreSection);
  if (!stores.length) showText(dom.boardError, t("queue.noStores"));
}

export function wireQueueBoard() {
  dom.boardOpen.addEventListener("click", () => (board.open ? closeQueueBoard() : openQueueBoard()));
  dom.boardClose.addEventListener("click", () => {
    closeQueueBoard();
    dom.boardOpen.focus();
  });
}
