"""App versions compared, so an app hears when its class share offers a newer one."""

from __future__ import annotations

import pytest

from quizapp.core.appversion import is_newer_app, parse_app_version
from quizapp.core.errors import QuizappError


@pytest.mark.parametrize(
    "offered, installed, newer",
    [("0.2.0", "0.1.0", True), ("0.10.0", "0.9.3", True), ("1.0", "0.99.99", True), ("0.1.0", "0.1", False), ("0.1", "0.1.0", False), ("0.1.0", "0.2.0", False), ("1.2.0.1", "1.2", True)],
)
def test_versions_compare_number_by_number(offered: str, installed: str, newer: bool) -> None:
    assert is_newer_app(offered, installed) is newer


@pytest.mark.parametrize("text", ["", "1.", ".1", "v1.2", "1.2.3.4.5", "1.2-beta", "1234567", "１.２"])
def test_anything_but_dotted_numbers_is_refused(text: str) -> None:
    with pytest.raises(QuizappError, match="is not an app version"):
        parse_app_version(text)
