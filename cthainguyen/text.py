"""Vietnamese text: normalisation, diacritic-free folding, sorting and slugs."""

import unicodedata

from django.utils.text import slugify

# Đ is a letter of its own, not D with a combining mark, so NFD leaves it alone.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})

# Vietnamese alphabetical order:
# a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
# tones ranked after the base letter (ngang, huyền, hỏi, ngã, sắc, nặng).
_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_VOWEL_MARKS = {"\u0306", "\u0302", "\u031b"}


def nfc(value):
    """Return the text in Unicode NFC, the form every stored string uses."""
    return unicodedata.normalize("NFC", value) if value else value


def fold(value):
    """Return lower-case text without diacritics, for search ('Đường' -> 'duong')."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.translate(_SPECIAL))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def vietnamese_sort_key(value):
    """Return a key that sorts Vietnamese words in dictionary order."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", value.lower()):
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        tone = 0
        letter = base
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _VOWEL_MARKS:
                letter = unicodedata.normalize("NFC", letter + mark)
        if letter in _LETTERS:
            letters.append((_LETTERS.index(letter) + 1, 0))
        else:
            letters.append((0, ord(letter)))
        tones.append(tone)
    return (letters, tones)


def vietnamese_slug(value):
    """Return an ASCII slug, with Đ turned into D."""
    return slugify(value.translate(_SPECIAL))


def clean_text(value, multiline=False):
    """Return NFC text without control or invisible formatting characters.

    Zero-width spaces, bidirectional overrides and terminal control codes have no
    place in a report and can disguise what it says; line breaks stay where asked.
    """
    if not value:
        return value
    kept = []
    for char in unicodedata.normalize("NFC", value):
        if char in "\n\r" and multiline:
            kept.append("\n" if char == "\n" else "")
        elif char == "\t" or (char in "\n\r" and not multiline):
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf"):
            kept.append(char)
    return "".join(kept).strip()
