/**
 * The manage link, /book#manage=<appointment id>.<token>: the token rides in the fragment,
 * which browsers never send to a server. It is taken out of the address bar at once (so a
 * copied or shared URL carries none) and kept for this tab only, so a reload still works.
 */
const KEY = "concierge.book.manage";
const MARK = "#manage";

function remember(link) {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(link));
  } catch (_err) {
    // Private modes may refuse: the link then works until the tab reloads.
  }
}

function recall() {
  try {
    const link = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    return link && typeof link.id === "string" && typeof link.token === "string" ? link : null;
  } catch (_err) {
    return null;
  }
}

/** {id, token} from the fragment (or this tab's memory of it), or null. */
export function takeManageLink() {
  const hash = window.location.hash;
  const match = /^#manage=([^.]+)\.(.+)$/.exec(hash);
  const { pathname, search } = window.location;
  if (match) {
    const link = { id: decodeURIComponent(match[1]), token: decodeURIComponent(match[2]) };
    window.history.replaceState(null, "", `${pathname}${search}${MARK}`);
    remember(link);
    return link;
  }
  if (hash === MARK) {
    const link = recall();
    if (!link) window.history.replaceState(null, "", `${pathname}${search}`);
    return link;
  }
  return null;
}

/** The link did not work: nothing of it is kept. */
export function forgetManageLink() {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch (_err) {
    // Nothing was kept.
  }
  const { pathname, search } = window.location;
  window.history.replaceState(null, "", `${pathname}${search}`);
}
