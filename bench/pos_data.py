"""A deterministic POS export for the import benchmark: the shape of a jeweller's year.

Twenty stores in twelve countries (half of them writing decimal commas), transactions of
one to three lines, three quarters of them by known customers drawn with a skew (a few
clients buy often), each customer always giving the same e-mail and phone. The same seed
gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import phonenumbers

HEADER = (
    "transaction_id,line_no,store_code,purchased_at,customer_no,first_name,last_name,email,"
    "phone,sku,description,category,carat,colour,clarity,cut,metal,quantity,unit_price,"
    "currency"
)
COLUMNS = HEADER.split(",")


@dataclass(frozen=True)
class BenchStore:
    code: str
    country: str
    timezone: str
    currency: str
    languages: str


STORES = (
    BenchStore("PARIS01", "FR", "Europe/Paris", "EUR", "fr,en"),
    BenchStore("PARIS02", "FR", "Europe/Paris", "EUR", "fr,en"),
    BenchStore("PARIS03", "FR", "Europe/Paris", "EUR", "fr,en"),
    BenchStore("LYON01", "FR", "Europe/Paris", "EUR", "fr,en"),
    BenchStore("NICE01", "FR", "Europe/Paris", "EUR", "fr,en"),
    BenchStore("MUNICH01", "DE", "Europe/Berlin", "EUR", "de,en"),
    BenchStore("BERLIN01", "DE", "Europe/Berlin", "EUR", "de,en"),
    BenchStore("MILAN01", "IT", "Europe/Rome", "EUR", "it,en"),
    BenchStore("ROME01", "IT", "Europe/Rome", "EUR", "it,en"),
    BenchStore("MADRID01", "ES", "Europe/Madrid", "EUR", "es,en"),
    BenchStore("GENEVA01", "CH", "Europe/Zurich", "CHF", "fr,en"),
    BenchStore("ZURICH01", "CH", "Europe/Zurich", "CHF", "de,en"),
    BenchStore("LONDON01", "GB", "Europe/London", "GBP", "en"),
    BenchStore("LONDON02", "GB", "Europe/London", "GBP", "en"),
    BenchStore("NYC01", "US", "America/New_York", "USD", "en"),
    BenchStore("LA01", "US", "America/Los_Angeles", "USD", "en"),
    BenchStore("TOKYO01", "JP", "Asia/Tokyo", "JPY", "ja,en"),
    BenchStore("SHANGHAI01", "CN", "Asia/Shanghai", "CNY", "zh,en"),
    BenchStore("HK01", "HK", "Asia/Hong_Kong", "HKD", "zh,en"),
    BenchStore("DUBAI01", "AE", "Asia/Dubai", "AED", "ar,en"),
)
COMMA_STORES = frozenset({"FR", "DE", "IT", "ES"})
FIRST = ("Anne", "Jean", "Luc", "Marie", "Sofia", "Hiro", "Wei", "Emma", "Omar", "Chiara")
LAST = ("Martin", "Dupont", "Meier", "Rossi", "Garcia", "Tanaka", "Chen", "Smith", "Haddad")
ITEMS = (
    ("rings", "Solitaire ring in platinum", True),
    ("rings", "Eternity band, round brilliant diamonds", True),
    ("necklaces", "Pendant on a fine chain", True),
    ("earrings", "Diamond studs", True),
    ("bracelets", "Tennis bracelet", True),
    ("watches", "Automatic watch, steel and gold", False),
    ("bags", "Leather clutch", False),
    ("gifts", "Gift wrapping", False),
)
METALS = ("platinum", "white gold", "yellow gold", "rose gold", "steel")


def _phone(country: str, index: int) -> str:
    """A valid mobile number of the country, varied in its last five digits."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    number = phonenumbers.parse(f"+{example.country_code}{national[:-5]}{index % 100000:05d}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _amount(value: float, comma: bool) -> str:
    text = f"{value:.2f}"
    return f'"{text.replace(".", ",")}"' if comma else text


def _item(rng: random.Random, comma: bool) -> str:
    """sku .. unit_price: a stone's grades when it has one; prices log-normal around 3,000."""
    category, description, stone = ITEMS[rng.randrange(len(ITEMS))]
    carat = colour = clarity = cut = ""
    if stone:
        carat = _amount(rng.choice((0.3, 0.5, 0.75, 1.01, 1.5, 2.02)), comma)
        colour, clarity, cut = rng.choice("DEFGH"), rng.choice(("VVS1", "VS1", "VS2")), "excellent"
    price = _amount(round(min(max(rng.lognormvariate(8, 1.1), 50), 500_000), 2), comma)
    return (
        f'SKU{rng.randrange(10_000):05d},"{description}",{category},{carat},{colour},{clarity},'
        f"{cut},{rng.choice(METALS)},1,{price}"
    )


def generate(path: Path, rows: int, *, customers: int = 200_000, seed: int = 7) -> int:
    """Write ``rows`` purchase lines to ``path``; returns its size in bytes."""
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, 9, 0)
    phones: dict[int, str] = {}
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        written = transaction = 0
        while written < rows:
            transaction += 1
            store = STORES[rng.randrange(len(STORES))]
            comma = store.country in COMMA_STORES
            when = start + timedelta(seconds=rng.randrange(50 * 24 * 3600))
            contact = ",,,"
            customer = ""
            if rng.random() < 0.75:
                number = int(rng.random() ** 2 * customers)
                customer = f"C{number:07d}"
                first, last = FIRST[number % len(FIRST)], LAST[number % len(LAST)]
                email = f"{first}.{last}{number}@example.com".lower() if number % 5 else ""
                phone = ""
                if number % 3:
                    home = STORES[number % len(STORES)].country
                    phone = phones.get(number) or phones.setdefault(number, _phone(home, number))
                contact = f"{first},{last},{email},{phone}"
            for line in range(1, min(1 + rng.choice((0, 0, 0, 1, 1, 2)), rows - written) + 1):
                head = f"T{transaction:09d},{line},{store.code},{when.isoformat()},{customer}"
                out.write(f"{head},{contact},{_item(rng, comma)},{store.currency}\n")
                written += 1
    return path.stat().st_size
