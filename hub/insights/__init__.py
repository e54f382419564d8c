"""Managers' insights: service, satisfaction and sales figures computed by SQL from the
stored conversations, messages, offers, appointments, feedback and purchases.

Nothing here keeps a counter of its own, so a figure can never drift from the events it
summarises. ``periods`` and ``definitions`` are pure; ``queries`` holds the SQL (one
statement per metric family), ``report`` assembles the payload, ``csv_export`` the files.
The words behind every figure are in docs/insights.md.
"""
