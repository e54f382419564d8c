"""What the hub writes to shoppers, in their language: which language wins, and how
times, places and appointment texts read in it (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.booking_notices import change_line, confirmation_text
from hub.db.booking_models import Appointment
from hub.db.models import AppointmentType, Store
from hub.i18n import SHOPPER_LANGUAGES, choose, texts
from hub.proposals import proposal_text
from hub.shopper_texts import language_of, place, type_name, when

FRIDAY_9_UTC = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("profile", "page", "accept", "store", "chosen"),
    [
        ("fr", "en", "ja", ["de"], "fr"),  # the profile beats everything
        (None, "en", "ja", ["de"], "en"),  # then the page
        (None, None, "ja-JP,ja;q=0.9", ["de"], "ja"),  # then Accept-Language
        (None, None, None, ["de", "en"], "de"),  # then the store's first language
        (None, None, None, [], "en"),  # English when nothing is known
        (None, "zh-TW", None, [], "zh-Hant"),  # Chinese by script
        (None, "zh-CN", None, [], "zh-Hans"),
        (None, "zh-HK", None, [], "zh-Hant"),
        (None, "fr-CA", None, [], "fr"),  # by primary language
        ("pt-BR", "sv", "pt, ru;q=0.9, ko;q=0.5", ["nl"], "ko"),  # unserved: the next one
        (None, None, "ar;q=0, it", ["nl"], "it"),  # q=0 refuses a language
        (None, "not a tag", None, ["es"], "es"),
    ],
)
def test_choose_follows_the_briefs_order(
    profile: str | None, page: str | None, accept: str | None, store: list[str], chosen: str
) -> None:
    assert choose(profile=profile, page=page, accept=accept, store_languages=store) == chosen


def test_a_message_speaks_the_most_specific_language_known() -> None:
    assert language_of("ja", "fr", store_languages=["de"]) == "ja"  # e.g. the appointment's
    assert language_of(None, "fr-BE", store_languages=["de"]) == "fr"  # its conversation's
    assert language_of("pt", None, store_languages=["zh_Hant", "en"]) == "zh-Hant"
    assert language_of(store_languages=()) == "en"


@pytest.mark.parametrize(
    ("language", "zone", "written"),
    [
        ("en", "Europe/Paris", "Friday, November 27, 2026, 10:00 AM"),
        ("fr", "Europe/Paris", "vendredi 27 novembre 2026, 10:00"),
        ("de", "Europe/Paris", "Freitag, 27. November 2026, 10:00"),
        ("ja", "Asia/Tokyo", "2026年11月27日金曜日 18:00"),
        ("zh-Hans", "Asia/Shanghai", "2026年11月27日星期五 17:00"),
        ("ar", "Asia/Dubai", "الجمعة، 27 نوفمبر 2026، 1:00 م"),
        ("ko", "America/New_York", "2026년 11월 27일 금요일 AM 4:00"),
    ],
)
def test_a_time_is_on_the_stores_clock_in_the_readers_conventions(
    language: str, zone: str, written: str
) -> None:
    assert when(texts(language), FRIDAY_9_UTC, zone) == written


def test_the_stores_city_is_named_in_the_readers_language() -> None:
    assert place(texts("en"), "Europe/Paris") == "Paris"
    assert place(texts("ja"), "Europe/Paris") == "パリ"
    assert place(texts("zh-Hant"), "Europe/London") == "倫敦"
    assert place(texts("ar"), "Asia/Dubai") == "دبي"


def test_default_appointment_types_are_translated_and_a_stores_own_name_is_kept() -> None:
    assert type_name(texts("ja"), "In-store appointment") == "来店予約"
    assert type_name(texts("fr"), "Virtual appointment") == "Rendez-vous virtuel"
    assert type_name(texts("ja"), "Bridal consultation") == "Bridal consultation"
    assert type_name(texts("ja"), "") == ""  # never the catalogue's header


def appointment(kind: str = "in_store", **fields: object) -> Appointment:
    store = Store(name="Maison {Ginza}", timezone="Asia/Tokyo", address="Chuo-ku, Tokyo")
    kind_name = "In-store appointment" if kind == "in_store" else "Virtual appointment"
    row = Appointment(kind=kind, starts_at=FRIDAY_9_UTC, contact_name="Anne Martin", **fields)
    row.store = store
    row.type = AppointmentType(name=kind_name, kind=kind)
    return row


def test_a_booking_line_reads_naturally_in_each_language() -> None:
    row = appointment()
    assert change_line(texts("en"), row, "booked", "Haruka") == (
        "Appointment booked: In-store appointment, Friday, November 27, 2026, 6:00 PM "
        "(Tokyo time) with Haruka."
    )
    assert change_line(texts("ja"), row, "rescheduled", None) == (
        "ご予約の日時を変更しました：来店予約、"  # noqa: RUF001
        "新しい日時は2026年11月27日金曜日 18:00（東京時間）です。"  # noqa: RUF001
    )
    assert change_line(texts("fr"), row, "cancelled", "Haruka") == (
        "Rendez-vous annulé : Rendez-vous en boutique, vendredi 27 novembre 2026, 18:00 "
        "(heure de Tokyo)."
    )


def test_a_confirmation_keeps_names_with_braces_as_they_are() -> None:
    row = appointment("virtual", video_url="https://meet.example.com/{room}")
    text = confirmation_text(texts("de"), row, "booked", None, "https://hub.example.com/book")
    assert text.startswith("Guten Tag Anne Martin,\n\nTermin gebucht: Virtueller Termin,")
    assert "Videoanruf: https://meet.example.com/{room}" in text
    assert "Zum Verschieben oder Stornieren: https://hub.example.com/book" in text
    assert text.endswith("\n\nMaison {Ginza}")


def test_a_proposal_lists_the_times_in_the_shoppers_language() -> None:
    store = Store(name="Maison Ginza", timezone="Asia/Tokyo")
    starts = [FRIDAY_9_UTC, datetime(2026, 11, 28, 1, 0, tzinfo=UTC)]
    text = proposal_text(texts("zh-Hant"), "In-store appointment", store, starts, "https://x/b")
    assert text.splitlines() == [
        "店內預約：我可以在以下時間為您服務（東京時間）：",  # noqa: RUF001
        "• 2026年11月27日 星期五 下午6:00",
        "• 2026年11月28日 星期六 上午10:00",
        "請選擇其中一個時間進行預約，或在此選擇其他時間：https://x/b",  # noqa: RUF001
    ]


@pytest.mark.parametrize("language", SHOPPER_LANGUAGES)
def test_plural_texts_pick_the_form_for_the_count(language: str) -> None:
    t = texts(language)
    one = t.ngettext(
        "It works for the next {count} minute.", "It works for the next {count} minutes.", 1
    )
    many = t.ngettext(
        "It works for the next {count} minute.", "It works for the next {count} minutes.", 25
    )
    assert "25" in many and "{" not in one + many
    if language not in ("zh-Hans", "zh-Hant", "ja", "ko"):  # one form only there
        assert one != many


def test_arabic_has_its_own_words_for_one_two_and_a_few() -> None:
    def minutes(n: int) -> str:
        return texts("ar").ngettext(
            "It works for the next {count} minute.", "It works for the next {count} minutes.", n
        )

    assert minutes(1).endswith("دقيقة واحدة.")
    assert minutes(2).endswith("دقيقتين.")
    assert minutes(5).endswith("5 دقائق.")
    assert minutes(30).endswith("30 دقيقة.")
