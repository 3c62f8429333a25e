"""Settings read from the environment refuse values they cannot understand."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cthainguyen.env import env_bool, env_database, env_int, env_list


def test_booleans_accept_the_usual_words(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_a_misspelt_boolean_stops_start_up(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_numbers_must_be_whole(monkeypatch):
    monkeypatch.setenv("SIZE", "12")
    assert env_int("SIZE", 1) == 12
    monkeypatch.setenv("SIZE", "12MB")
    with pytest.raises(ImproperlyConfigured):
        env_int("SIZE", 1)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def test_database_urls(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert env_database("DATABASE_URL", tmp_path / "x.db")["NAME"] == tmp_path / "x.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://ctn:p%40ss@db.local:5433/portal")
    config = env_database("DATABASE_URL", None)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("ctn", "p@ss")
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "db.local",
        "5433",
        "portal",
    )
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    with pytest.raises(ImproperlyConfigured):
        env_database("DATABASE_URL", None)


def test_production_refuses_to_start_without_a_secret_key():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import cthainguyen.settings"],
        env={"PORTAL_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=__import__("pathlib").Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_sqlite_urls_follow_the_three_and_four_slash_convention(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/demo.sqlite3")
    assert env_database("DATABASE_URL", None)["NAME"] == "var/demo.sqlite3"
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/portal/db.sqlite3")
    assert env_database("DATABASE_URL", None)["NAME"] == "/srv/portal/db.sqlite3"
