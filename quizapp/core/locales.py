"""The country a system locale names, from the strings systems really give.

Desktops set POSIX locale names in LC_ALL, LC_MESSAGES and LANG: `language[_TERRITORY][.codeset][@modifier]`,
e.g. `en_GB.UTF-8`, `de_DE@euro`, `pt_BR.utf8`, `sr_RS@latin`, or `C.UTF-8` and `POSIX`, which name
no place at all. Android and browsers give BCP 47 language tags (`en-US`, `zh-Hans-CN`, `es-419`),
and Java's `Locale.toString()` gives `en_GB` or `zh_CN_#Hans`.

Only the territory says where someone is; the language does not (French is spoken in France, Canada,
Belgium and much of Africa), so a locale without a territory names no country. The module is
called `locales` so that it never shadows the standard library's `locale`.
"""

from __future__ import annotations

import re

# A territory is two letters (ISO 3166-1 alpha-2). Three digits (UN M.49, as in "es-419" for Latin
# America) name a group of countries, never one, so they are not countries here.
_COUNTRY = re.compile(r"[A-Za-z]{2}\Z")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}\Z")
_SCRIPT = re.compile(r"[A-Za-z]{4}\Z")
# Locales that name no language or place: the portable C locale and its POSIX alias.
_PLACELESS = frozenset({"c", "posix"})


def country_of_locale(locale: str | None) -> str | None:
    """The two-letter country code (upper case) that a locale string names, or None.

    >>> country_of_locale("en_GB.UTF-8"), country_of_locale("fr-CA"), country_of_locale("C.UTF-8")
    ('GB', 'CA', None)
    """
    text = (locale or "").strip().split(":", 1)[0]  # a list such as "en_GB:en": the first counts
    # Codeset (".UTF-8") and modifier ("@euro") come after the territory; Java puts its script
    # after "_#". None of them says where the person is.
    text = re.split(r"[.@]|_#", text, maxsplit=1)[0]
    parts = [part for part in re.split(r"[_-]", text) if part]
    if not parts or parts[0].casefold() in _PLACELESS or not _LANGUAGE.match(parts[0]):
        return None
    rest = parts[1:]
    if rest and _SCRIPT.match(rest[0]):  # BCP 47: a script subtag ("Hans") may come first
        rest = rest[1:]
    if rest and _COUNTRY.match(rest[0]):
        return rest[0].upper()
    return None
