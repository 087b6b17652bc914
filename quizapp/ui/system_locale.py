"""The locale the device is set to, read the way each platform keeps it.

"Get help now" uses it to find the learner's region when they have not chosen one. `SystemLocale`
is the interface; `DesktopLocale` reads the environment, `AndroidLocale` asks Java, and
`FixedLocale` gives a set value (the tests and the screenshot script use it). `system_locale()`
picks the one for the platform the app runs on. What a locale string means (its country) is
decided by the pure `quizapp.core.locales.country_of_locale`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from quizapp.core.locales import country_of_locale
from quizapp.ui.android_share import on_android


class SystemLocale:
    """Reads the device's locale, as the platform gives it ("en_GB.UTF-8", "en-GB")."""

    def locale_name(self) -> str | None:
        """The locale string, or None when the platform gives none. Read on every call: the
        learner may change the device's language while the app runs."""
        raise NotImplementedError


class DesktopLocale(SystemLocale):
    """Linux, macOS and other POSIX desktops: LC_ALL, then LC_MESSAGES, then LANG.

    POSIX lets the first one set win. Here one that names no country ("C.UTF-8", which containers
    and scripts often set in LC_ALL, or a bare "en") is passed over for a later one that does, since
    only a country can find a region. Windows sets none of them, so nothing is found there and the
    learner chooses their region."""

    VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def locale_name(self) -> str | None:
        values = [value for name in self.VARIABLES if (value := self._environ.get(name, "").strip())]
        return next((value for value in values if country_of_locale(value)), values[0] if values else None)


class AndroidLocale(SystemLocale):
    """Android: java.util.Locale.getDefault(), the language and region of the phone's settings,
    as a BCP 47 tag ("en-GB")."""

    def locale_name(self) -> str | None:
        from jnius import autoclass  # in every p4a build

        return str(autoclass("java.util.Locale").getDefault().toLanguageTag()) or None


class FixedLocale(SystemLocale):
    """A locale given in advance, whatever the machine is set to."""

    def __init__(self, name: str | None) -> None:
        self._name = name

    def locale_name(self) -> str | None:
        return self._name


def system_locale() -> SystemLocale:
    """The reader for the platform the app runs on."""
    return AndroidLocale() if on_android() else DesktopLocale()
