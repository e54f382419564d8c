"""Persistence: models, engine and migrations runner."""
