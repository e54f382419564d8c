"""Routing domain: who gets a conversation, in what order. Pure policy + state + service."""
