"""Credentials: password hashing, bearer and visitor tokens, rate limits."""
