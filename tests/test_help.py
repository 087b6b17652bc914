"""The "Get help now" content: the bundled file loads and says the right things (every number with
the page it was checked against and the day), a system locale finds its region or none (never a
silent United States), and the loader refuses bad files with positions a user can jump to."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from quizapp.core.errors import DeckFileError
from quizapp.core.help import (
    DEFAULT_PATH,
    Contact,
    HelpContent,
    Region,
    load_help,
    parse_help,
)
from quizapp.core.locales import country_of_locale

ROOT = Path(__file__).resolve().parents[1]
MATERIAL_DIR = SHARED / "material"

# region id -> (emergency number, crisis line number, how to reach the crisis line)
REQUIRED_NUMBERS = {
    "us": ("911", "988", ("call", "text")),
    "ca": ("911", "988", ("call", "text")),
    "uk": ("999", "116 123", ("call",)),
    "ie": ("112", "116 123", ("call",)),
    "eu": ("112", None, None),
    "au": ("000", "13 11 14", ("call",)),
    "nz": ("111", "1737", ("call", "text")),
}
# The day the numbers were last checked against their sources; a recheck moves it forward.
LAST_CHECKED = date(2026, 12, 7)


@pytest.fixture(scope="module")
def help_content() -> HelpContent:
    return load_help()


def test_the_bundled_file_is_found_next_to_the_package() -> None:
    assert DEFAULT_PATH == ROOT / "assets" / "help" / "help.yaml"
    assert DEFAULT_PATH.is_file()


def test_help_loads(help_content: HelpContent) -> None:
    assert help_content.title
    assert help_content.intro
    assert help_content.steps
    assert help_content.sources


@pytest.mark.parametrize(("region_id", "numbers"), sorted(REQUIRED_NUMBERS.items()))
def test_required_regions_and_numbers(help_content: HelpContent, region_id: str, numbers: tuple) -> None:
    emergency, crisis, reach = numbers
    region = help_content.region(region_id)
    assert region is not None and region.id == region_id and region.name
    assert region.emergency.number == emergency and "call" in region.emergency.reach
    if crisis is None:
        assert region.crisis is None
    else:
        assert region.crisis is not None and (region.crisis.number, region.crisis.reach) == (crisis, reach)
        assert region.crisis.name


def test_ireland_is_its_own_region_where_112_and_999_both_work(help_content: HelpContent) -> None:
    ireland = help_content.region_for("", "en_IE.UTF-8")
    assert ireland is not None and ireland.id == "ie"
    assert ireland.emergency.number == "112" and "999" in ireland.emergency.note
    assert "IE" not in help_content.region("eu").countries  # type: ignore[union-attr]


def _contacts(help_content: HelpContent) -> list[tuple[str, Contact]]:
    return [
        (f"{region.id} {kind}", contact)
        for region in help_content.regions
        for kind, contact in (("emergency", region.emergency), ("crisis", region.crisis))
        if contact is not None
    ]


def test_every_number_names_the_page_it_was_checked_against_and_the_day(help_content: HelpContent) -> None:
    contacts = _contacts(help_content)
    assert len(contacts) >= 13
    for where, contact in contacts:
        assert re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]{2,}/\S*", contact.source), where
        assert isinstance(contact.checked, date), where
        assert date(2026, 1, 1) <= contact.checked <= LAST_CHECKED, where


def test_the_numbers_are_marked_as_general_safety_information_not_from_the_material(help_content: HelpContent) -> None:
    note = help_content.numbers_note.lower()
    assert "general safety information" in note and "not part of the course material" in note
    raw = DEFAULT_PATH.read_text(encoding="utf-8")
    assert "GENERAL SAFETY INFORMATION" in raw and "NOT come from the material" in raw


def test_crisis_lines_are_for_thoughts_of_self_harm_where_the_decks_say_seek_help(help_content: HelpContent) -> None:
    with_crisis = [region.id for region in help_content.regions if region.crisis is not None]
    assert {"us", "ca", "uk", "ie", "au", "nz"} <= set(with_crisis)


def test_region_ids_are_unique(help_content: HelpContent) -> None:
    ids = [region.id for region in help_content.regions]
    assert len(ids) == len(set(ids))


def test_region_lookup_ignores_case_and_accepts_names(help_content: HelpContent) -> None:
    assert help_content.region("UK").id == "uk"  # type: ignore[union-attr]
    assert help_content.region("United Kingdom").id == "uk"  # type: ignore[union-attr]
    assert help_content.region(" ireland ").id == "ie"  # type: ignore[union-attr]


@pytest.mark.parametrize("unknown", ["", "xx", "atlantis", "  ", "gb", "en_GB", "de"])
def test_an_unknown_region_is_none_never_the_first_region(help_content: HelpContent, unknown: str) -> None:
    assert help_content.region(unknown) is None


# Locale strings as systems give them -> the region of the bundled file, or None.
LOCALE_REGIONS = {
    "en_US.UTF-8": "us",
    "en-US": "us",
    "es_US": "us",
    "en_GB.UTF-8": "uk",
    "cy_GB.utf8": "uk",
    "en-gb": "uk",
    "en_IE": "ie",
    "ga_IE.UTF-8": "ie",
    "fr_CA": "ca",
    "fr_CA.UTF-8": "ca",
    "de_DE@euro": "eu",
    "fr_FR.ISO-8859-1": "eu",
    "nl_BE.UTF-8@euro": "eu",
    "el_GR.UTF-8": "eu",
    "ca_ES@valencia": "eu",
    "en_AU.UTF-8": "au",
    "en_NZ": "nz",
    "mi_NZ.UTF-8": "nz",
    "en_GB:en": "uk",  # a GNU LANGUAGE-style list: the first entry counts
    "sr_RS@latin": None,
    "pt_BR.utf8": None,
    "ja_JP.UTF-8": None,
    "ja_JP": None,
    "hi_IN": None,
    "de_CH": None,
    "de_CH.UTF-8": None,
    "zh-Hans-CN": None,
    "zh_CN_#Hans": None,
    "es-419": None,
    "C.UTF-8": None,
    "C": None,
    "POSIX": None,
    "en": None,
    "en_US.UTF-8 ": "us",
    "": None,
}


@pytest.mark.parametrize(("locale", "region_id"), sorted(LOCALE_REGIONS.items()))
def test_a_system_locale_maps_to_its_region_or_to_none(help_content: HelpContent, locale: str, region_id: str | None) -> None:
    region = help_content.region_for_locale(locale)
    assert (region.id if region else None) == region_id


def test_locale_mapping_covers_at_least_fifteen_locale_strings() -> None:
    assert len(LOCALE_REGIONS) >= 15


@pytest.mark.parametrize(
    ("locale", "country"),
    [
        ("en_GB.UTF-8", "GB"), ("de_DE@euro", "DE"), ("pt_BR.utf8", "BR"), ("en-US", "US"), ("zh-Hans-CN", "CN"),
        ("zh_CN_#Hans", "CN"), ("sr_RS@latin", "RS"), ("ast_ES.UTF-8", "ES"), ("C.UTF-8", None), ("POSIX", None),
        ("en", None), ("es-419", None), ("English_United Kingdom.1252", None), (None, None), ("  ", None),
    ],
)  # fmt: skip
def test_country_of_locale_reads_the_territory_only(locale: str | None, country: str | None) -> None:
    assert country_of_locale(locale) == country


@pytest.mark.parametrize("locale", ["ja_JP.UTF-8", "hi_IN", "de_CH", "C.UTF-8", None])
def test_with_no_region_chosen_an_unlisted_locale_gets_no_region_never_the_us(help_content: HelpContent, locale: str | None) -> None:
    assert help_content.region_for("", locale) is None


def test_a_chosen_region_wins_over_the_system_locale(help_content: HelpContent) -> None:
    assert help_content.region_for("au", "en_GB.UTF-8").id == "au"  # type: ignore[union-attr]
    assert help_content.region_for("", "en_GB.UTF-8").id == "uk"  # type: ignore[union-attr]
    assert help_content.region_for("removed-region", "en_GB.UTF-8") is None


def test_every_country_leads_to_one_region_only(help_content: HelpContent) -> None:
    countries = [country for region in help_content.regions for country in region.countries]
    assert len(countries) == len(set(countries))


def test_steps_cite_declared_sources_that_name_material_files(help_content: HelpContent) -> None:
    declared = {source.id: source for source in help_content.sources}
    for step in help_content.steps:
        assert step.source in declared, step
        source = declared[step.source]
        assert source.title and source.publisher
        assert source.file and re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", source.file)
        if MATERIAL_DIR.is_dir():
            assert (MATERIAL_DIR / source.file).is_file()


def _step_index(help_content: HelpContent, pattern: str) -> int:
    for index, step in enumerate(help_content.steps):
        if re.search(pattern, step.text, re.IGNORECASE):
            return index
    pytest.fail(f"no step matches {pattern!r}")


def test_steps_say_call_emergency_services_then_naloxone_then_keep_watching_for_hours(help_content: HelpContent) -> None:
    call = _step_index(help_content, r"\bcall\b.*\bemergency\b")
    naloxone = _step_index(help_content, r"\bnaloxone\b.*\bif\b.*\bavailable\b|\bif\b.*\bnaloxone\b.*\bavailable\b")
    watch = _step_index(help_content, r"\b(watch|monitor)")
    assert call < naloxone < watch
    assert re.search(r"\bseveral hours\b", help_content.steps[watch].text)
    assert re.search(r"\bwears off\b", help_content.steps[watch].text)
    assert re.search(r"\b(come back|return)", help_content.steps[watch].text, re.IGNORECASE)


def test_steps_say_care_is_still_needed_after_recovery(help_content: HelpContent) -> None:
    step = help_content.steps[_step_index(help_content, r"\bmedical care\b")]
    assert re.search(r"\brecover", step.text) and re.search(r"\bprofessional\b", step.text)


def test_no_step_says_stay_with_the_person_which_the_material_does_not_say(help_content: HelpContent) -> None:
    assert not [step.text for step in help_content.steps if re.search(r"\bstay with\b", step.text, re.IGNORECASE)]


# The words each cited line range must hold for the step that cites it (checked against the material).
STEP_EVIDENCE = {
    r"\bcall\b.*\bemergency\b": ["medical emergency", "Call 911"],
    r"\bnaloxone\b.*\bavailable\b": ["If available", "naloxone"],
    r"\b(watch|monitor)": ["monitored for several hours", "wears off"],
    r"\bmedical care\b": ["recovers", "professional medical care"],
}


def _cited_lines(help_content: HelpContent, step_text: str) -> str:
    step = next(step for step in help_content.steps if step.text == step_text)
    first, _, last = step.lines.partition("-")
    path = MATERIAL_DIR / (help_content.source(step.source).file or "")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert int(last or first) <= len(lines), step
    return "\n".join(lines[int(first) - 1 : int(last or first)])


@needs_shared
@pytest.mark.parametrize(("pattern", "evidence"), sorted(STEP_EVIDENCE.items()))
def test_each_step_cites_the_material_lines_that_support_it(help_content: HelpContent, pattern: str, evidence: list[str]) -> None:
    cited = _cited_lines(help_content, help_content.steps[_step_index(help_content, pattern)].text)
    for words in evidence:
        assert words in cited


def test_disclaimer_says_education_not_medical_advice(help_content: HelpContent) -> None:
    text = help_content.disclaimer.lower()
    assert "education" in text
    assert "not medical advice" in text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


@needs_shared
def test_help_text_copies_no_ten_word_run_from_the_material(help_content: HelpContent) -> None:
    material: set[tuple[str, ...]] = set()
    for path in MATERIAL_DIR.glob("*.txt"):
        words = _words(path.read_text(encoding="utf-8"))
        material |= {tuple(words[i : i + 10]) for i in range(len(words) - 9)}
    texts = [help_content.intro, help_content.numbers_note, help_content.disclaimer, *(step.text for step in help_content.steps)]
    copied = [
        " ".join(words[i : i + 10])
        for text in texts
        for words in [_words(text)]
        for i in range(len(words) - 9)
        if tuple(words[i : i + 10]) in material
    ]
    assert copied == []


def test_help_text_gives_no_dosing_advice(help_content: HelpContent) -> None:
    dosing = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|ml|g)\b|\b(?:doses?|dosage|dosing)\b|\bhow much\b", re.IGNORECASE)
    texts = [help_content.intro, help_content.disclaimer, *(step.text for step in help_content.steps)]
    assert [text for text in texts if dosing.search(text)] == []


def test_loading_help_never_imports_kivy() -> None:
    code = "import sys, quizapp.core.help as h; h.load_help(); print('kivy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


# -- the loader on bad input ------------------------------------------------------------------------

GOOD = """\
format: 2
title: Get help now
intro: Call now.
numbers_note: General safety information, not from the material.
regions:
  - id: us
    name: United States
    countries: [US]
    emergency:
      name: Emergency services
      number: "911"
      reach: [call]
      source: https://example.org/911
      checked: 2026-12-07
steps:
  - text: Call emergency services.
    source: m000
    lines: "10"
disclaimer: Education, not medical advice.
sources:
  - id: m000
    title: A page
    publisher: A publisher
"""
EMERGENCY_911 = Contact("Emergency services", "911", ("call",), "https://example.org/911", date(2026, 12, 7))


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckFileError) as caught:
        parse_help(text, "help.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_a_minimal_file_loads() -> None:
    content = parse_help(GOOD)
    assert content.region("us") == Region("us", "United States", ("US",), EMERGENCY_911)
    assert content.region_for("", "en_US.UTF-8") == content.region("us")
    assert content.steps[0].source == "m000" and content.steps[0].lines == "10"
    assert content.source("m000").publisher == "A publisher"


def test_a_crisis_line_with_its_ways_to_reach_it_loads() -> None:
    crisis = '    crisis: {name: Lifeline, number: "988", reach: [call, text], source: "https://example.org/988", checked: 2026-12-01}\n'
    content = parse_help(GOOD.replace("steps:\n", crisis + "steps:\n"))
    line = content.region("us").crisis  # type: ignore[union-attr]
    assert line == Contact("Lifeline", "988", ("call", "text"), "https://example.org/988", date(2026, 12, 1))
    assert line.how == "call or text"


def test_an_unquoted_number_keeps_its_leading_zeros() -> None:
    content = parse_help(GOOD.replace('number: "911"', "number: 000"))
    assert content.regions[0].emergency.number == "000"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      source: https://example.org/911\n", "", "missing the required key 'source'"),
        ("      checked: 2026-12-07\n", "", "missing the required key 'checked'"),
        ("source: https://example.org/911", "source: example.org/911", "https:// address"),
        ("checked: 2026-12-07", "checked: last week", "YYYY-MM-DD"),
        ("checked: 2026-12-07", "checked: 2026-02-30", "YYYY-MM-DD"),
        ("reach: [call]", "reach: [phone]", "call and/or text"),
        ("reach: [call]", "reach: [call, call]", "each once"),
        ("reach: [call]", "reach: []", "at least one item"),
        ("countries: [US]", "countries: [usa]", "two-letter country code"),
        ('lines: "10"', 'lines: "12-3"', "must not end before it starts"),
        ('    lines: "10"\n', "", "missing the required key 'lines'"),
    ],
)
def test_every_number_needs_a_source_and_a_date_and_fields_are_checked(old: str, new: str, message: str) -> None:
    assert old in GOOD
    (problem,) = problems_of(GOOD.replace(old, new))
    assert problem.startswith("help.yaml:") and message in problem


def test_a_country_in_two_regions_is_refused() -> None:
    second = "  - {id: us2, name: Again, countries: [US], emergency: {name: E, number: '112', reach: [call], source: 'https://example.org/', checked: 2026-12-07}}\n"
    (problem,) = problems_of(GOOD.replace("steps:\n", second + "steps:\n"))
    assert "country US is already covered by region 'us'" in problem


def test_format_1_is_refused_with_the_reason() -> None:
    problems = problems_of(GOOD.replace("format: 2", "format: 1"))
    assert any("'format'" in p and "must be 2" in p and "no crisis lines" in p for p in problems)


def test_yaml_syntax_error_has_a_position() -> None:
    (problem,) = problems_of(GOOD.replace("title: Get help now", "title: [unclosed"))
    assert re.match(r"help\.yaml:\d+:\d+: YAML syntax", problem)


def test_unknown_key_is_reported_with_a_suggestion_and_position() -> None:
    (problem,) = problems_of(GOOD.replace("disclaimer:", "disclaimr:").replace("format: 2\n", "format: 2\ndisclaimer: x\n"))
    assert problem.startswith("help.yaml:")
    assert "unknown key 'disclaimr'" in problem and "did you mean 'disclaimer'" in problem


def test_undeclared_source_is_reported_at_the_step() -> None:
    problems = problems_of(GOOD.replace("source: m000", "source: m999"))
    assert problems == ["help.yaml:17:13: source 'm999' is not declared in 'sources' (declared: m000)"]


def test_missing_keys_and_bad_values_are_all_reported_at_once() -> None:
    text = GOOD.replace("intro: Call now.\n", "").replace('number: "911"', "number: call us").replace("format: 2", "format: 3")
    problems = problems_of(text)
    assert len(problems) == 3
    assert any("missing the required key 'intro'" in p for p in problems)
    assert any("'number'" in p and "not valid" in p for p in problems)
    assert any("'format'" in p for p in problems)


def test_duplicate_region_ids_are_refused() -> None:
    second = "  - {id: us, name: Again, countries: [CA], emergency: {name: E, number: '112', reach: [call], source: 'https://example.org/', checked: 2026-12-07}}\n"
    (problem,) = problems_of(GOOD.replace("steps:\n", second + "steps:\n"))
    assert "duplicate region id 'us'" in problem


@pytest.mark.parametrize(
    "bad",
    [
        GOOD.replace("title: Get help now", "title: !!python/object/apply:os.system ['true']"),
        GOOD.replace("title: Get help now", "title: &t Get help now").replace("intro: Call now.", "intro: *t"),
    ],
    ids=["tag", "alias"],
)
def test_tags_and_aliases_are_refused(bad: str) -> None:
    (problem,) = problems_of(bad)
    assert "not allowed" in problem


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DeckFileError, match="empty"):
        parse_help("")
    with pytest.raises(DeckFileError, match="cannot read"):
        load_help(tmp_path / "nope.yaml")


def test_load_help_reads_a_given_path(tmp_path: Path) -> None:
    path = tmp_path / "help.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_help(path).title == "Get help now"
    path.write_bytes(b"title: \xff\n")
    with pytest.raises(DeckFileError, match=r"help\.yaml:1:8: the file is not valid UTF-8"):
        load_help(path)


# -- reading the system locale (the platform interface; no Kivy needed) ----------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "en_GB.UTF-8"}, "en_GB.UTF-8"),
        ({"LC_ALL": "fr_CA.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "de_DE.UTF-8"}, "fr_CA.UTF-8"),
        ({"LC_MESSAGES": "en_IE.UTF-8", "LANG": "en_US.UTF-8"}, "en_IE.UTF-8"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_NZ.UTF-8"}, "en_NZ.UTF-8"),  # a placeless C is passed over
        ({"LC_ALL": "", "LANG": "ja_JP.UTF-8"}, "ja_JP.UTF-8"),
        ({"LANG": "C.UTF-8"}, "C.UTF-8"),
        ({}, None),
    ],
)
def test_the_desktop_locale_follows_lc_all_then_lc_messages_then_lang(environ: dict[str, str], expected: str | None) -> None:
    from quizapp.ui.system_locale import DesktopLocale

    assert DesktopLocale(environ).locale_name() == expected


def test_the_android_locale_asks_java_for_the_default_locale_as_a_language_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from quizapp.ui import system_locale

    class FakeJavaLocale:
        @staticmethod
        def getDefault() -> FakeJavaLocale:
            return FakeJavaLocale()

        def toLanguageTag(self) -> str:
            return "en-IE"

    fake_jnius = types.SimpleNamespace(autoclass=lambda name: {"java.util.Locale": FakeJavaLocale}[name])
    monkeypatch.setitem(sys.modules, "jnius", fake_jnius)
    assert system_locale.AndroidLocale().locale_name() == "en-IE"
    monkeypatch.setenv("ANDROID_ARGUMENT", "/data/app")
    assert isinstance(system_locale.system_locale(), system_locale.AndroidLocale)
    monkeypatch.delenv("ANDROID_ARGUMENT")
    assert isinstance(system_locale.system_locale(), system_locale.DesktopLocale)
