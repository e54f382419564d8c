"""The voice channel: callback requests and phone calls through a Twilio-compatible provider."""
