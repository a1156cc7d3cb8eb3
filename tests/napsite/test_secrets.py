"""No secret, password or personal data leaves through the repository or a production log."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_setup_local_never_prints_an_admin_password_outside_debug_mode(db, settings, capsys):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="alleen voor lokaal gebruik"):
        call_command("setup_local")

    assert "wachtwoord" not in capsys.readouterr().out


def test_the_example_environment_holds_placeholders_only():
    values = dict(
        line.split("=", 1)
        for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert "vervang" in values["DJANGO_SECRET_KEY"]
    assert "vervang" in values["POSTGRES_PASSWORD"]
    assert values["POSTGRES_PASSWORD"] in values["DATABASE_URL"]


def test_a_real_environment_file_stays_out_of_git_and_the_image():
    def patterns(name):
        return (PROJECT_DIR / name).read_text().splitlines()

    assert "/.env" in patterns(".gitignore")
    assert ".env" in patterns(".dockerignore")
