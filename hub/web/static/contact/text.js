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
