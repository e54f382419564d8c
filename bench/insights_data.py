"""A year of a maison's history for bench.insights, generated inside PostgreSQL.

Deterministic (every value is arithmetic on a row number), and set-based: each table is
one ``INSERT ... SELECT FROM generate_series``, so a million messages take seconds.
Messages and offers are written in time order, so a conversation's rows lie on pages
shared with everyone else's, as in a live hub. The shapes follow the schema's rules:
conversations' messages in ``seq`` order, an accepted offer for every conversation an
ambassador took, appointments of one ambassador never overlapping (the exclusion
constraint holds), one feedback row per question.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

START = "2025-12-01 00:00:00+00"  # twelve months up to 1 December 2026
STORES = (  # code, country, time zone, currency
    ("PARIS01", "FR", "Europe/Paris", "EUR"),
    ("PARIS02", "FR", "Europe/Paris", "EUR"),
    ("LYON01", "FR", "Europe/Paris", "EUR"),
    ("NICE01", "FR", "Europe/Paris", "EUR"),
    ("TOKYO01", "JP", "Asia/Tokyo", "JPY"),
    ("TOKYO02", "JP", "Asia/Tokyo", "JPY"),
    ("OSAKA01", "JP", "Asia/Tokyo", "JPY"),
    ("LONDON01", "GB", "Europe/London", "GBP"),
    ("LONDON02", "GB", "Europe/London", "GBP"),
    ("EDINBURGH01", "GB", "Europe/London", "GBP"),
)


@dataclass(frozen=True)
class Volumes:
    conversations: int = 100_000
    messages_each: int = 10
    customers: int = 40_000
    ambassadors_per_store: int = 6
    appointments: int = 10_000
    purchases: int = 50_000


def _uuid(prefix: str, n: str) -> str:
    """A deterministic uuid text for row ``n`` of a kind."""
    return f"md5('{prefix}' || {n})::uuid::text"


def statements(v: Volumes) -> list[tuple[str, str]]:
    """(what, SQL) in order; stores (with their appointment types) must exist already."""
    stores = len(STORES)
    staff = stores * v.ambassadors_per_store
    year = "interval '365 days'"
    conversation_at = f"timestamptz '{START}' + {year} * (n::float8 / {v.conversations})"
    per = v.ambassadors_per_store

    def staff_of(n: str) -> str:
        """One of the six ambassadors of row ``n``'s store (store ``n % 10``)."""
        return _uuid("staff", f"({n} % {stores}) + {stores} * (({n} / {stores}) % {per})")

    # A conversation of the same store as appointment i (ambassador i % staff) / purchase p.
    booked_in = _uuid(
        "conversation", f"(i * {stores}) % {v.conversations} + (i % {staff}) % {stores}"
    )
    sold_after = _uuid("conversation", f"(p * {stores}) % {v.conversations} + p % {stores}")
    return [
        (
            "staff",
            f"""INSERT INTO staff (id, email, name, password_hash, role, languages, capacity,
                skills, active, created_at)
            SELECT {_uuid("staff", "j")}, 'ambassador' || j || '@bench.example',
                'Ambassador ' || j, 'x', 'ambassador', '["en"]', 3, '[]', true, now()
            FROM generate_series(0, {staff - 1}) j""",
        ),
        (
            "staff_stores",
            f"""INSERT INTO staff_stores (staff_id, store_id)
            SELECT {_uuid("staff", "j")}, s.id FROM generate_series(0, {staff - 1}) j
            JOIN bench_store s ON s.idx = j % {stores}""",
        ),
        (
            "customers",
            f"""INSERT INTO customers (id, name, tier, tier_source, preferences, created_at)
            SELECT {_uuid("customer", "n")}, 'Customer ' || n, 'standard', 'derived', '{{}}',
                timestamptz '{START}'
            FROM generate_series(0, {v.customers - 1}) n""",
        ),
        (
            "conversations",
            f"""INSERT INTO conversations (id, store_id, customer_id, channel, contact, status,
                priority, required_skills, optional_skills, assigned_staff_id, last_seq,
                created_at, updated_at, queued_at, closed_at, outcome)
            SELECT {_uuid("conversation", "n")}, s.id, {_uuid("customer", f"n % {v.customers}")},
                (ARRAY['webchat','wechat','email','voice'])[1 + (n / 3) % 4], 'contact-' || n,
                CASE WHEN n >= {v.conversations - 200} THEN 'queued' ELSE 'closed' END, 1, '[]',
                '[]', CASE WHEN n % 5 <> 0 THEN {staff_of("n")} END, {v.messages_each}, at, at, at,
                CASE WHEN n < {v.conversations - 200} THEN at + interval '1 hour' END,
                -- an outcome on most closed ones (#12), skipped (NULL) on one in eight
                CASE WHEN n < {v.conversations - 200} AND n % 8 <> 7 THEN (ARRAY['purchase',
                    'appointment','information','after_sales','no_action','other'])[1 + n % 6]
                END
            FROM generate_series(0, {v.conversations - 1}) n
            CROSS JOIN LATERAL (SELECT {conversation_at} AS at) t
            JOIN bench_store s ON s.idx = n % {stores}""",
        ),
        (
            "messages",
            f"""INSERT INTO messages (id, conversation_id, seq, direction, channel, author_kind,
                text, created_at)
            SELECT {_uuid("message", f"n * {v.messages_each} + seq")}, c.id, seq,
                CASE WHEN kind = 'customer' THEN 'in' ELSE 'out' END, c.channel, kind, 'Bonjour',
                c.created_at + interval '1 second' * (seq - 1) * (30 + n % 300)
            FROM generate_series(0, {v.conversations - 1}) n
            JOIN conversations c ON c.id = {_uuid("conversation", "n")}
            CROSS JOIN generate_series(1, {v.messages_each}) seq
            CROSS JOIN LATERAL (SELECT CASE WHEN c.assigned_staff_id IS NOT NULL AND seq % 2 = 0
                THEN 'ambassador' ELSE 'customer' END AS kind) k
            ORDER BY 8""",
        ),
        (
            "offers",
            f"""INSERT INTO offers (id, conversation_id, staff_id, status, created_at, expires_at,
                resolved_at)
            SELECT {_uuid("offer", "n * 2 + o")}, c.id,
                coalesce(c.assigned_staff_id, {staff_of("n")}),
                CASE WHEN o = 1 AND c.assigned_staff_id IS NOT NULL THEN 'accepted'
                     WHEN n % 2 = 0 THEN 'declined' ELSE 'expired' END,
                c.created_at + interval '1 second' * (o * 20),
                c.created_at + interval '1 second' * (o * 20 + 30),
                c.created_at + interval '1 second' * (o * 20 + 5 + n % 60)
            FROM generate_series(0, {v.conversations - 1}) n
            JOIN conversations c ON c.id = {_uuid("conversation", "n")}
            CROSS JOIN generate_series(0, 1) o
            ORDER BY 5""",
        ),
        (
            "callbacks",
            f"""INSERT INTO callbacks (id, conversation_id, phone, due_at, attempts, max_attempts,
                status, source, created_at, updated_at)
            SELECT {_uuid("callback", "n")}, c.id, '+33142000000', c.created_at, 1, 3,
                'reached', 'form', c.created_at, c.created_at
            FROM generate_series(0, {v.conversations - 1}, 20) n
            JOIN conversations c ON c.id = {_uuid("conversation", "n")}
            WHERE c.channel = 'voice'""",
        ),
        (
            "appointments",
            # Ambassador j's k-th appointment starts k * 52 hours in (+ 9 + j % 8 hours).
            f"""INSERT INTO appointments (id, store_id, type_id, ambassador_id, customer_id,
                conversation_id, status, kind, starts_at, ends_at, block_start, block_end,
                sequence, created_at, updated_at)
            SELECT {_uuid("appointment", "i")}, s.id, t.id, {_uuid("staff", f"i % {staff}")},
                {_uuid("customer", f"i % {v.customers}")},
                CASE WHEN i % 2 = 0 THEN {booked_in} END,
                (ARRAY['completed','completed','completed','completed','completed','completed',
                       'no_show','cancelled','booked','booked'])[1 + i % 10], 'in_store',
                at, at + interval '1 hour', at, at + interval '1 hour', 0, at, at
            FROM generate_series(0, {v.appointments - 1}) i
            CROSS JOIN LATERAL (SELECT timestamptz '{START}' + interval '52 hours' * (i / {staff})
                + interval '1 hour' * (9 + (i % {staff}) % 8) AS at) a
            JOIN bench_store s ON s.idx = (i % {staff}) % {stores}
            JOIN appointment_types t ON t.store_id = s.id AND t.code = 'in-store'""",
        ),
        (
            "feedback",
            f"""INSERT INTO feedback (id, kind, conversation_id, appointment_id, store_id,
                staff_id, channel, asked_at, answered_at, score)
            SELECT {_uuid("csat", "n")}, 'csat', c.id, NULL, c.store_id, c.assigned_staff_id,
                c.channel, c.closed_at, c.closed_at + interval '5 minutes',
                CASE WHEN n % 11 <> 0 THEN 1 + n % 5 END
            FROM generate_series(0, {v.conversations - 201}, 6) n
            JOIN conversations c ON c.id = {_uuid("conversation", "n")}
            UNION ALL
            SELECT {_uuid("nps", "i")}, 'nps', NULL, a.id, a.store_id, a.ambassador_id, 'email',
                a.ends_at, a.ends_at + interval '1 day',
                CASE WHEN i % 13 <> 0 THEN (i * 7) % 11 END
            FROM generate_series(0, {v.appointments - 1}) i
            JOIN appointments a ON a.id = {_uuid("appointment", "i")}
            WHERE a.status = 'completed'""",
        ),
        (
            "purchases",
            f"""INSERT INTO purchases (store_id, transaction_id, line_no, customer_id,
                purchased_at, quantity, unit_price, currency, staff_id, conversation_id,
                appointment_id)
            SELECT s.id, 'T' || p, 1, {_uuid("customer", f"p % {v.customers}")},
                timestamptz '{START}' + {year} * (p::float8 / {v.purchases}), 1 + p % 2,
                100 + p % 5000, s.currency,
                CASE WHEN p % 5 < 3 THEN {staff_of("p")} END,
                CASE WHEN p % 5 < 2 THEN {sold_after} END,
                CASE WHEN p % 5 = 2 THEN {_uuid("appointment", f"p % {v.appointments}")} END
            FROM generate_series(0, {v.purchases - 1}) p
            JOIN bench_store s ON s.idx = p % {stores}""",
        ),
    ]


async def generate(connection: asyncpg.Connection, volumes: Volumes) -> dict[str, float]:
    """Fill the tables; returns seconds per step. ``bench_store`` (idx, id, currency) must
    list the stores."""
    timings = {}
    for what, sql in statements(volumes):
        started = time.perf_counter()
        await connection.execute(sql)
        timings[what] = time.perf_counter() - started
    return timings
