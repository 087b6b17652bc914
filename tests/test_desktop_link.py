"""The desktop entry that registers quizapp:// links (x-scheme-handler/quizapp) on Linux desktops:
a valid entry whose command is `quizapp open-link`, which shows the publisher's words and asks."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess

import pytest
from conftest import REPO

from quizapp.cli import build_parser, cmd_open_link

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
    assert entry["Terminal"] == "true"  # open-link asks the learner before subscribing


def test_its_command_opens_the_link_through_quizapp_open_link() -> None:
    program, *arguments = shlex.split(desktop_entry()["Exec"])
    assert program == "quizapp" and arguments.count("%u") == 1  # the link, as one argument
    link = "quizapp://subscribe?url=http%3A%2F%2F10.0.0.5%3A8765%2F&key=" + "A" * 43
    args = build_parser().parse_args([link if argument == "%u" else argument for argument in arguments])
    assert args.run is cmd_open_link and args.link == link and not args.yes


def test_the_entry_passes_the_freedesktop_validator() -> None:
    if shutil.which("desktop-file-validate") is None:
        reason = "desktop-file-validate (Debian's desktop-file-utils) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
    result = subprocess.run(["desktop-file-validate", str(ENTRY)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
