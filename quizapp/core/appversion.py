"""App versions ("0.3.1"), as quizapp's own version and a shared app package name them, compared
so that an app following a feed hears when the share offers a newer app than the one installed."""

from __future__ import annotations

import re

from quizapp.core.errors import QuizappError

APP_VERSION = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}\Z")


def parse_app_version(text: str) -> tuple[int, ...]:
    """A version's numbers, with trailing zeros dropped so that "1.2" and "1.2.0" are equal."""
    if not APP_VERSION.match(text):
        raise QuizappError(f"'{text[:40]}' is not an app version (numbers separated by dots, such as 0.3.1)")
    numbers = [int(part) for part in text.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def is_newer_app(offered: str, installed: str) -> bool:
    """Whether the `offered` version is later than the `installed` one."""
    return parse_app_version(offered) > parse_app_version(installed)
