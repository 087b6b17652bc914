"""The "Get help now" content: the bundled file loads and says the right things, and the loader
refuses bad files with positions a user can jump to."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.core.errors import DeckFileError
from quizapp.core.help import DEFAULT_PATH, HelpContent, Region, load_help, parse_help

ROOT = Path(__file__).resolve().parents[1]
MATERIAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "material"

REQUIRED_NUMBERS = {"us": "911", "ca": "911", "uk": "999", "eu": "112", "au": "000"}


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


@pytest.mark.parametrize(("region_id", "number"), sorted(REQUIRED_NUMBERS.items()))
def test_required_regions_and_numbers(help_content: HelpContent, region_id: str, number: str) -> None:
    region = help_content.region(region_id)
    assert region.id == region_id
    assert region.number == number
    assert region.name


def test_region_ids_are_unique(help_content: HelpContent) -> None:
    ids = [region.id for region in help_content.regions]
    assert len(ids) == len(set(ids))


def test_region_lookup_ignores_case_and_accepts_names_and_country_codes(help_content: HelpContent) -> None:
    assert help_content.region("UK").id == "uk"
    assert help_content.region("United Kingdom").id == "uk"
    assert help_content.region("gb").id == "uk"
    assert help_content.region("en_GB").id == "uk"
    assert help_content.region("de").id == "eu"
    assert help_content.region("fr-FR").id == "eu"
    assert help_content.region("en_AU").id == "au"


@pytest.mark.parametrize("unknown", ["", "xx", "atlantis", "  "])
def test_unknown_region_falls_back_to_the_first(help_content: HelpContent, unknown: str) -> None:
    assert help_content.region(unknown) == help_content.regions[0]
    assert help_content.regions[0].number


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


def test_steps_say_call_emergency_services_then_naloxone_then_stay_and_monitor(help_content: HelpContent) -> None:
    call = _step_index(help_content, r"\bcall\b.*\bemergency\b")
    naloxone = _step_index(help_content, r"\bnaloxone\b.*\bif\b.*\bavailable\b|\bif\b.*\bnaloxone\b.*\bavailable\b")
    stay = _step_index(help_content, r"\bstay\b.*\b(watch|monitor)")
    assert call < naloxone < stay
    assert re.search(r"\bhours\b", help_content.steps[stay].text)
    assert re.search(r"\b(come back|return)", help_content.steps[stay].text, re.IGNORECASE)


def test_steps_say_care_is_still_needed_after_recovery(help_content: HelpContent) -> None:
    _step_index(help_content, r"\bmedical care\b")


def test_disclaimer_says_education_not_medical_advice(help_content: HelpContent) -> None:
    text = help_content.disclaimer.lower()
    assert "education" in text
    assert "not medical advice" in text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def test_help_text_copies_no_ten_word_run_from_the_material(help_content: HelpContent) -> None:
    if not MATERIAL_DIR.is_dir():
        pytest.skip(f"the material is not at {MATERIAL_DIR}")
    material: set[tuple[str, ...]] = set()
    for path in MATERIAL_DIR.glob("*.txt"):
        words = _words(path.read_text(encoding="utf-8"))
        material |= {tuple(words[i : i + 10]) for i in range(len(words) - 9)}
    texts = [help_content.intro, help_content.disclaimer, *(step.text for step in help_content.steps)]
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
format: 1
title: Get help now
intro: Call now.
regions:
  - id: us
    name: United States
    number: "911"
steps:
  - text: Call emergency services.
    source: m000
disclaimer: Education, not medical advice.
sources:
  - id: m000
    title: A page
    publisher: A publisher
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(DeckFileError) as caught:
        parse_help(text, "help.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_a_minimal_file_loads() -> None:
    content = parse_help(GOOD)
    assert content.region("us") == Region("us", "United States", "911")
    assert content.steps[0].source == "m000"
    assert content.source("m000").publisher == "A publisher"


def test_an_unquoted_number_keeps_its_leading_zeros() -> None:
    content = parse_help(GOOD.replace('number: "911"', "number: 000"))
    assert content.regions[0].number == "000"


def test_yaml_syntax_error_has_a_position() -> None:
    (problem,) = problems_of(GOOD.replace("title: Get help now", "title: [unclosed"))
    assert re.match(r"help\.yaml:\d+:\d+: YAML syntax", problem)


def test_unknown_key_is_reported_with_a_suggestion_and_position() -> None:
    (problem,) = problems_of(GOOD.replace("disclaimer:", "disclaimr:").replace("format: 1\n", "format: 1\ndisclaimer: x\n"))
    assert problem.startswith("help.yaml:")
    assert "unknown key 'disclaimr'" in problem and "did you mean 'disclaimer'" in problem


def test_undeclared_source_is_reported_at_the_step() -> None:
    problems = problems_of(GOOD.replace("source: m000", "source: m999"))
    assert problems == ["help.yaml:10:13: source 'm999' is not declared in 'sources' (declared: m000)"]


def test_missing_keys_and_bad_values_are_all_reported_at_once() -> None:
    text = GOOD.replace("intro: Call now.\n", "").replace('number: "911"', "number: call us").replace("format: 1", "format: 2")
    problems = problems_of(text)
    assert len(problems) == 3
    assert any("missing the required key 'intro'" in p for p in problems)
    assert any("'number'" in p and "not valid" in p for p in problems)
    assert any("'format'" in p for p in problems)


def test_duplicate_region_ids_are_refused() -> None:
    text = GOOD.replace('    number: "911"\n', '    number: "911"\n  - id: us\n    name: Again\n    number: "112"\n')
    (problem,) = problems_of(text)
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
