"""JSON Schemas of the managers' insights (``hub.insights.report``): one figure set per
group, the totals and the daily series."""

from __future__ import annotations

from hub.insights.definitions import OUTCOME_KEYS
from hub.openapi.schemas import (
    DATE_TIME,
    DECIMAL,
    INTEGER,
    NUMBER,
    STRING,
    Schema,
    array,
    nullable,
    obj,
    ref,
)

RATE = nullable(NUMBER)  # None when there is nothing to divide by
SPREAD = obj(
    {"median": nullable(NUMBER), "p90": nullable(NUMBER), "count": INTEGER},
    description="Seconds: the median and 90th percentile over count cases.",
)
FIGURES = obj(
    {
        "conversations": INTEGER,
        "first_response_seconds": SPREAD,
        "wait_seconds": SPREAD,
        "abandoned": INTEGER,
        "abandonment_rate": RATE,
        "offers": obj({"made": INTEGER, "declined": INTEGER, "expired": INTEGER}),
        "csat": obj(
            {
                "asked": INTEGER,
                "responses": INTEGER,
                "average": RATE,
                "satisfied_rate": RATE,
            }
        ),
        "nps": obj({"asked": INTEGER, "responses": INTEGER, "score": RATE}),
        "appointments": obj(
            {
                "from_conversations": INTEGER,
                "conversion_rate": RATE,
                "booked": INTEGER,
                "completed": INTEGER,
                "no_show": INTEGER,
                "show_rate": RATE,
            }
        ),
        "sales": array(obj({"currency": STRING, "amount": DECIMAL, "lines": INTEGER})),
        "outcomes": obj(
            {"closed": INTEGER, **dict.fromkeys(OUTCOME_KEYS, INTEGER)},
            description="The period's conversations closed now, by outcome (not_recorded:"
            " closed without one); they add up to closed.",
        ),
    },
    description="One group's figures (see docs/insights.md).",
)
INSIGHTS = obj(
    {
        "period": obj(
            {
                "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "timezone": STRING,
                "start": DATE_TIME,
                "end": DATE_TIME,
            }
        ),
        "by": STRING,
        "attribution_days": INTEGER,
        "totals": ref("InsightFigures"),
        "groups": array(
            {
                "allOf": [
                    ref("InsightFigures"),
                    obj({"key": nullable(STRING), "label": STRING}),
                ]
            }
        ),
        "daily": array(
            obj(
                {
                    "day": {"type": "string", "format": "date"},
                    "conversations": INTEGER,
                    "abandoned": INTEGER,
                    "appointments": INTEGER,
                    "csat_responses": INTEGER,
                }
            )
        ),
    }
)

COMPONENTS: dict[str, Schema] = {"InsightFigures": FIGURES, "Insights": INSIGHTS}
