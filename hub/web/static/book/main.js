/**
 * The booking page (/book): booking by default; the manage page when opened with a manage
 * link (#manage=<id>.<token>), whose token is taken out of the address bar at once. The
 * page's language is settled first (the hub chooses: profile, ?lang=, browser, the store's
 * default), so every text and date below is written in it.
 */
import { translateOwnPage } from "../shared/page-language.js";
import { getToken } from "../widget/storage.js";
import { startBooking } from "./booking-flow.js";
import { wireConfirmation } from "./confirmation.js";
import { releaseHold } from "./hold.js";
import { takeManageLink } from "./manage-link.js";
import { openManage } from "./manage.js";

// Out of the address bar before anything else happens.
const link = takeManageLink();
const store = new URLSearchParams(window.location.search).get("store");
await translateOwnPage({ store: store ? store.trim() : undefined, visitorToken: getToken() });
wireConfirmation();

if (link) openManage(link);
else startBooking();

// The manage link followed from the confirmation, in the same tab (a time still held
// while booking is let go: the manage page replaces the booking).
window.addEventListener("hashchange", () => {
  const followed = takeManageLink();
  if (!followed) return;
  releaseHold();
  openManage(followed, { focus: true });
});
