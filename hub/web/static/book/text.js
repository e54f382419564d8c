/**
 * Every string the booking page shows, in one place for translation. Plain strings are
 * looked up by key (book.html names them in data-text); functions build the few sentences
 * that carry a value. Dates and times are never written here: Intl formats them.
 */
export const TEXT = {
  pageTitle: "Book an appointment — Maison Lumière",
  skip: "Skip to content",
  brand: "Maison Lumière",
  brandSub: "Private appointments",
  loading: "Loading…",
  back: "Back",

  stepOf: (step, total) => `Step ${step} of ${total}`,
  storeTitle: "Choose a boutique",
  storeIntro: "Meet one of our ambassadors, in the boutique or by video, at a time that suits you.",
  noStores: "Appointments cannot be booked online at the moment. Please contact the boutique.",
  typeTitle: "How would you like to meet?",
  typeDescription: {
    virtual: "A private video consultation with an ambassador, wherever you are.",
    in_store: "A private appointment in the boutique, with pieces prepared for you.",
  },
  noTypes: "This boutique does not take appointments online at the moment.",
  timeTitle: "Choose a day and time",
  detailsTitle: "Your details",
  detailsIntro: "So that your ambassador can prepare and reach you if needed.",

  // The day and time picker.
  earlierDays: "Earlier days",
  laterDays: "Later days",
  days: "Days",
  noTimesDay: ", no free times",
  zoneNote: (storeZone) => `Times are shown in ${storeZone}.`,
  zoneNoteBoth: (storeZone, yourCity) =>
    `Times are shown in ${storeZone}; your own time (${yourCity}) appears beneath each one.`,
  zoneTime: (city) => `${city} time`,
  yourTime: "your time",
  yourTimeIn: (city) => `your time (${city})`,
  dayParts: { night: "Night", morning: "Morning", afternoon: "Afternoon", evening: "Evening" },
  loadingTimes: "Finding free times…",
  noTimesThisDay: "No free times on this day. Please choose another day.",
  noTimesThisWeek: "No free times on these days. Please look at later days.",
  noTimesAhead: "No free times in the coming weeks. Please contact the boutique.",
  timesFor: (count, day) => `${count} free ${count === 1 ? "time" : "times"} on ${day}.`,

  // The hold.
  holding: "Reserving this time for you…",
  heldFor: "We are keeping this time for you for",
  oneMinuteLeft: "One minute left to confirm this time.",
  changeTime: "Choose another time",

  // The form.
  name: "Name",
  email: "E-mail",
  phone: "Phone",
  contactHint: "An e-mail address or a phone number, or both.",
  remindBy: "Remind me by",
  remindChannels: { email: "E-mail", phone: "Text message", none: "No reminder" },
  consent: {
    email: "Yes, send me reminders about this appointment by e-mail.",
    phone: "Yes, send me reminders about this appointment by text message.",
  },
  consentHint: "Only about this appointment. You can change your mind at any time.",
  submit: "Confirm the appointment",
  submitting: "Booking…",
  needName: "Please give your name.",
  needContact: "Please give an e-mail address or a phone number.",
  needEmailForReminder: "Please give your e-mail address to be reminded by e-mail.",
  needPhoneForReminder: "Please give your phone number to be reminded by text message.",

  // The confirmation and the manage page.
  confirmedEyebrow: "Confirmed",
  confirmedTitle: "Your appointment is booked",
  confirmedBooked: "Your appointment is booked.",
  when: "When",
  where: "Where",
  with: "With",
  videoPending: "By video: the link will be in your confirmation.",
  videoReady: "By video, with this link:",
  joinVideo: "Join the video consultation",
  addToCalendar: "Add to calendar",
  calendarSaved: "The calendar file has been downloaded.",
  manageHint: "Keep this link: it lets you reschedule or cancel without an account.",
  manageLink: "Manage your appointment",
  copyLink: "Copy link",
  linkCopied: "Link copied.",
  bookAnother: "Book another appointment",
  manageEyebrow: "Your appointment",
  manageTitle: "Your appointment",
  status: {
    booked: "Confirmed",
    passed: "This appointment has passed.",
    cancelled: "Cancelled",
    completed: "Completed",
    no_show: "Missed",
  },
  reschedule: "Reschedule",
  rescheduleTitle: "Choose a new time",
  moveTo: (when) => `Move your appointment to ${when}?`,
  moveConfirm: "Move my appointment",
  keepTime: "Keep the current time",
  chooseAnother: "Choose another time",
  moving: "Moving your appointment…",
  moved: (when) => `Your appointment has been moved to ${when}.`,
  cancel: "Cancel the appointment",
  cancelQuestion: "Cancel this appointment? The time will be offered to others.",
  cancelConfirm: "Yes, cancel it",
  keepIt: "Keep my appointment",
  cancelling: "Cancelling…",
  cancelled: "Your appointment has been cancelled.",
  invalidTitle: "This link is not valid",
  invalidText:
    "It may be incomplete, or the appointment may no longer exist. Use the link from your confirmation, or book again.",

  // Errors.
  slotTaken: "That time was just taken. Please choose another: the times shown are up to date.",
  holdLapsed: "The time we kept for you has lapsed. Please choose a time again.",
  timeGone: "That time can no longer be booked. Please choose another.",
  tooMany: "Too many attempts, try again in a minute.",
  offline: "We could not reach the boutique. Check your connection and try again.",
  failed: "Something went wrong on our side. Please try again in a moment.",
  cannotChange: "This appointment can no longer be changed.",
};

/** The duration as words in the page's language: "30 minutes", "1 hour 30 minutes". */
export function durationText(minutes, locale) {
  const unit = (value, name) =>
    new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (!hours) return unit(rest, "minute");
  return rest ? `${unit(hours, "hour")} ${unit(rest, "minute")}` : unit(hours, "hour");
}

/** Fills every [data-text] element of the page with its string. */
export function applyText(root = document) {
  for (const node of root.querySelectorAll("[data-text]")) {
    const value = TEXT[node.dataset.text];
    if (typeof value === "string") node.textContent = value;
  }
  document.title = TEXT.pageTitle;
}
