"""Customer profiles: identity rules, consent, preferences, tiers, merges (pure modules), and
the database side that applies them (``resolve``, ``store``)."""
