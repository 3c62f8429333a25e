"""The Vietnamese catalog is complete, and its committed .mo matches the .po."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_DIRS = ["cthainguyen", "reports", "templates"]


def need_gettext():
    if shutil.which("msgfmt") and shutil.which("xgettext"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("GNU gettext is missing in CI; .ci/run installs it")
    pytest.skip("GNU gettext (msgfmt, xgettext) is not installed")


def read_po(path):
    """Return {msgid: (msgstr, fuzzy)} of a .po file; plurals by their first id."""
    entries, fuzzy = {}, False
    current, field = {}, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current.get("msgid"):
                entries[current["msgid"]] = (current.get("msgstr", ""), fuzzy)
            current, field, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ", "msgctxt ")):
            keyword, _, value = line.partition(" ")
            field = {"msgstr[0]": "msgstr"}.get(keyword, keyword)
            current[field] = current.get(field, "") + eval(value)  # noqa: S307
        elif line.startswith(("msgid_plural ", "msgstr[")):
            field = None
        elif line.startswith('"') and field:
            current[field] += eval(line)  # noqa: S307
    return entries


def test_every_string_has_a_vietnamese_translation():
    entries = read_po(PO)
    missing = [
        msgid for msgid, (msgstr, fuzzy) in entries.items() if not msgstr or fuzzy
    ]
    assert missing == []


def test_the_committed_mo_file_matches_the_po_file(tmp_path):
    need_gettext()
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    with open(fresh, "rb") as new, open(MO, "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(new)._catalog
        ), "locale/vi/LC_MESSAGES/django.mo is stale: run `make messages`"


def test_the_catalog_covers_every_marked_string_in_the_source(tmp_path):
    need_gettext()
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "manage.py", copy)
    for name in SOURCE_DIRS + ["locale"]:
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cthainguyen.settings"},
    )
    extracted = set(read_po(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    assert extracted - set(read_po(PO)) == set(), "run `make messages` and translate"
