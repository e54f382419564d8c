"""The daily point-of-sale import: each store's export of purchase lines, made into
purchases linked to customers and credited to the ambassador who served them online.

``rows``, ``header``, ``records``, ``values``, ``plain`` and ``csv_safe`` are pure;
``importer`` and the modules it calls do the I/O. There are two ways to the database,
with the same rules: on SQLite every line goes through ``rows.check_row`` and a batch is
written row by row (``batch``, ``linking``, ``attribution``, ``tier_refresh``); on
PostgreSQL the lines ``plain`` can vouch for are copied as text and converted, linked,
credited and inserted by a few set-based statements per chunk (``pg_staging``,
``pg_linking``, ``pg_chunk``, ``pg_tiers``), the others still through ``check_row``.
"""
