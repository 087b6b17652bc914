"""The desktop entry that registers quizapp:// links (x-scheme-handler/quizapp) on Linux desktops:
a valid entry whose command starts the app with the link, which shows the publisher's words and
asks (tests/ui/test_ui_trust.py follows the link through the app)."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess

import pytest
import tomllib
from conftest import REPO

ENTRY = REPO / "packaging" / "quizapp-link.desktop"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(ENTRY.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def test_the_entry_registers_the_quizapp_scheme_for_an_application() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"]
    assert "x-scheme-handler/quizapp" in entry["MimeType"].rstrip(";").split(";")
    assert entry["Terminal"] == "false"  # the app itself asks the learner before subscribing


def test_its_command_starts_the_app_with_the_link() -> None:
    program, *arguments = shlex.split(desktop_entry()["Exec"])
    assert arguments == ["%u"]  # the link, as one argument
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["gui-scripts"]
    assert scripts[program] == "quizapp.ui.app:main"  # which opens a quizapp:// argument (QuizApp(link=…))


def test_the_entry_passes_the_freedesktop_validator() -> None:
    if shutil.which("desktop-file-validate") is None:
        reason = "desktop-file-validate (Debian's desktop-file-utils) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
    result = subprocess.run(["desktop-file-validate", str(ENTRY)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
