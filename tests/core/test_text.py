"""Vietnamese text, numbers and dates: folding, NFC, sorting, slugs and formats."""

import datetime
import unicodedata

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils import formats, translation

from cthainguyen.text import fold, nfc, vietnamese_slug, vietnamese_sort_key

# Folding and normalisation ---------------------------------------------------------


def test_folding_drops_case_and_diacritics_and_turns_d_bar_into_d():
    assert fold("ĐƯỜNG") == fold("đường") == "duong"
    assert fold("Hoàng Văn Thụ") == "hoang van thu"
    assert fold("Ổ GÀ trên đường Quang Trung") == "o ga tren duong quang trung"


def test_folding_squeezes_spaces_and_accepts_nothing():
    assert fold("  Bến   Tượng \n") == "ben tuong"
    assert fold("") == ""
    assert fold(None) == ""


def test_folding_gives_the_same_text_for_composed_and_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Lương Ngọc Quyến")
    assert decomposed != "Lương Ngọc Quyến"
    assert fold(decomposed) == fold("Lương Ngọc Quyến") == "luong ngoc quyen"


def test_nfc_composes_letters_typed_with_combining_marks():
    typed = "Thu\u0323"  # u followed by a combining dot below
    assert nfc(typed) == "Thụ"
    assert len(nfc(typed)) == 3
    decomposed = unicodedata.normalize("NFD", "Phường Phan Đình Phùng")
    assert nfc(decomposed) == "Phường Phan Đình Phùng"
    assert unicodedata.is_normalized("NFC", nfc(decomposed))


def test_nfc_leaves_empty_values_alone():
    assert nfc("") == ""
    assert nfc(None) is None


# Sorting and slugs -----------------------------------------------------------------


def test_d_bar_sorts_after_d_and_before_g():
    words = ["Gia", "Đồng", "Dân"]
    assert sorted(words) == ["Dân", "Gia", "Đồng"]  # code points get it wrong
    assert sorted(words, key=vietnamese_sort_key) == ["Dân", "Đồng", "Gia"]


def test_breve_and_circumflex_letters_sort_after_plain_a():
    words = ["B", "Â", "Ă", "A"]
    assert sorted(words, key=vietnamese_sort_key) == ["A", "Ă", "Â", "B"]
    assert sorted(["ăn", "an", "ân"], key=vietnamese_sort_key) == ["an", "ăn", "ân"]


def test_tones_break_ties_only_after_the_letters():
    words = ["mai", "mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(words, key=vietnamese_sort_key) == [
        "ma",
        "mà",
        "mả",
        "mã",
        "má",
        "mạ",
        "mai",
    ]


def test_sorting_ignores_case():
    assert sorted(["đông", "Dương", "Đà"], key=vietnamese_sort_key) == [
        "Dương",
        "Đà",
        "đông",
    ]


def test_slugs_turn_d_bar_into_d_and_drop_the_marks():
    assert vietnamese_slug("Đường Đội Cấn") == "duong-doi-can"
    assert vietnamese_slug("Phường Phan Đình Phùng") == "phuong-phan-dinh-phung"
    assert vietnamese_slug("Điện, nước, chiếu sáng") == "dien-nuoc-chieu-sang"


# Numbers and dates -----------------------------------------------------------------


def test_vietnamese_numbers_group_thousands_with_dots_and_decimals_with_commas():
    with translation.override("vi"):
        assert formats.number_format(5479, force_grouping=True) == "5.479"
        assert intcomma(5479) == "5.479"
        assert intcomma(111941) == "111.941"
        assert floatformat(60.89, 2) == "60,89"
        assert floatformat(1871 * 100 / 3073, 2) == "60,89"
        assert floatformat(1234.5, "2g") == "1.234,50"


def test_english_numbers_group_thousands_with_commas_and_decimals_with_dots():
    with translation.override("en"):
        assert formats.number_format(5479, force_grouping=True) == "5,479"
        assert intcomma(5479) == "5,479"
        assert floatformat(60.89, 2) == "60.89"
        assert floatformat(728 * 100 / 3073, 2) == "23.69"


def test_vietnamese_dates_are_written_day_first():
    day = datetime.date(2026, 3, 17)
    with translation.override("vi"):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "17/03/2026"
        assert formats.date_format(day) == "17/03/2026"


def test_a_date_field_accepts_dates_typed_day_first_in_vietnamese():
    field = forms.DateField()
    with translation.override("vi"):
        assert field.clean("17/03/2026") == datetime.date(2026, 3, 17)
        assert field.clean("03/04/2026") == datetime.date(2026, 4, 3)
        assert field.clean("17/03/26") == datetime.date(2026, 3, 17)
        assert field.clean("2026-03-17") == datetime.date(2026, 3, 17)
