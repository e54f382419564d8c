/**
 * The booking page (/book): booking by default; the manage page when opened with a manage
 * link (#manage=<id>.<token>), whose token is taken out of the address bar at once.
 */
import { startBooking } from "./booking-flow.js";
import { wireConfirmation } from "./confirmation.js";
import { releaseHold } from "./hold.js";
import { takeManageLink } from "./manage-link.js";
import { openManage } from "./manage.js";
import { applyText } from "./text.js";

applyText();
wireConfirmation();

const link = takeManageLink();
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
