"""The e-mail channel: an SMTP listener and a signed webhook in, replies out through the
mail outbox."""
