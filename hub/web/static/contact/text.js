/** Every string the contact form's script shows, in one place for translation. */
export const TEXT = {
  send: "Send",
  sending: "Sending\u2026",
  thanks: "Thank you \u2014 we have sent you a confirmation by e-mail and an ambassador will answer you.",
  tooMany: "Too many messages, please try again in a minute",
  offline: "Your message could not be sent: the boutique could not be reached. Check your connection and send it again.",
  refused: "Your message could not be sent. Please check the form and try again.",
  missing: {
    name: "Please give your name.",
    email: "Please give your e-mail address, so that we can answer you.",
    message: "Please write your message.",
  },
};

/** Every string the callback form's script (callback-form.js) shows. */
export const CALLBACK_TEXT = {
  send: "Request a callback",
  sending: "Sending\u2026",
  thanks: (phone, when) => `Thank you \u2014 we will call you at ${phone} ${when}.`,
  tooMany: "Too many requests, please try again in a minute",
  offline: "Your request could not be sent: the boutique could not be reached. Check your connection and send it again.",
  refused: "Your request could not be sent. Please check the form and try again.",
  today: "Today",
  tomorrow: "Tomorrow",
  noTimeLeft: "No times left today",
  missing: {
    name: "Please give your name.",
    phone: "Please give the number we should call.",
    time: "Please choose a time.",
    consent: "Please agree to be called at this number.",
  },
};
