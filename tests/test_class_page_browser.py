"""The class page in a real browser (Debian's headless Chromium, driven by selenium) served by a
share on 127.0.0.1: at a phone's and a desktop's size, light and dark, it renders the decks and
the "Open in quizapp" button, every tap target is at least 48 px, nothing is wider than the
window, body text is at least 16 px, and the languages are marked.

Skipped when Chromium is absent, except under CI (CI=true), where that is a failure: `.ci/run`
installs `chromium` and `chromium-driver`."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from quizapp.core.palette import PALETTES
from quizapp.sharing.feed import add_app_package, publish_files
from quizapp.sharing.links import parse_subscribe_link
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey

pytestmark = [pytest.mark.slow, pytest.mark.ui]

CHROMEDRIVER = Path("/usr/bin/chromedriver")
SIZES = [(360, 640), (1280, 800)]
HOSTILE_TITLE = '<img src=x onerror="document.title=1">Gefährliche <b>Mischkonsum</b>'
GERMAN_DECK = f"""\
format: 1
deck: {{id: mischkonsum, version: 3, title: '{HOSTILE_TITLE}', language: de,
  description: "Warum Mischkonsum gefährlich ist. Ein sehr langes Wort: Betäubungsmittelverschreibungsverordnungsänderung."}}
sources: [{{id: m0, title: Seite, publisher: Verlag}}]
cards:
  - {{id: k1, type: basic, front: Frage, back: Antwort, source: m0}}
"""

# Measured in the page: whatever breaks the promises, described well enough to find it.
MEASURE = """
const width = document.documentElement.clientWidth;
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '')
  + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
const result = {width, scrollWidth: document.documentElement.scrollWidth, wide: [], small: [], smallText: [],
  lang: document.documentElement.getAttribute('lang'), title: document.title,
  decks: [...document.querySelectorAll('li.deck')].map((el) => [el.querySelector('h3').textContent, el.getAttribute('lang')]),
  open: document.getElementById('open').href, noKeyShown: !document.getElementById('no-key').hidden,
  background: getComputedStyle(document.body).backgroundColor, images: document.images.length};
for (const el of document.body.querySelectorAll('*')) {
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) continue;  // not rendered (hidden, a script)
  if (box.left < -0.5 || box.right > width + 0.5) result.wide.push(name(el) + ' ' + box.left + '..' + box.right);
  if (el.matches('a, button, input, select, textarea, summary, [tabindex]') && (box.width < 48 || box.height < 48))
    result.small.push(name(el) + ' ' + box.width + 'x' + box.height);
  const text = [...el.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  if (text && parseFloat(getComputedStyle(el).fontSize) < 16) result.smallText.push(name(el) + ' ' + getComputedStyle(el).fontSize);
}
return result;
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium and chromium-driver)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if shutil.which("chromium") is None or not CHROMEDRIVER.exists():
        _unavailable("Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(argument)
    # The driver's path is given, so selenium never tries to download one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PublisherKey]]:
    """The bundled decks, a German deck with a hostile title, and a small dummy Android package."""
    folder = tmp_path_factory.mktemp("share")
    german = folder / "mischkonsum.yaml"
    german.write_text(GERMAN_DECK, encoding="utf-8")
    teacher = PublisherKey.generate()
    publish_files([*sorted((REPO / "decks").glob("*.yaml")), german], folder / "out", signer=teacher)
    package = folder / "quizapp-0.9.0-arm64-v8a-release.apk"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
    add_app_package(folder / "out", package, signer=teacher)
    with ShareServer(folder / "out", host="127.0.0.1", port=0) as running:
        yield running.url, teacher


def show(driver: Any, url: str, size: tuple[int, int], scheme: str) -> dict[str, Any]:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.get("about:blank")  # a new document, even when only the fragment changes
    driver.get(url)
    return dict(driver.execute_script(MEASURE))


def rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_the_page_is_usable_at_phone_and_desktop_size_in_both_themes(browser: Any, share: tuple[str, PublisherKey], size: tuple[int, int], scheme: str) -> None:
    url, _ = share
    page = show(browser, url, size, scheme)
    assert page["title"] == "Class decks · quizapp" and size[0] - 20 <= page["width"] <= size[0]  # less a desktop's scroll bar
    assert page["background"] == rgb(PALETTES[scheme]["background"])
    assert len(page["decks"]) == 8 and page["images"] == 0
    assert page["wide"] == [] and page["scrollWidth"] <= page["width"]
    assert page["small"] == [], "tap targets smaller than 48 px"
    assert page["smallText"] == [], "text smaller than 16 px"
    assert page["lang"] == "en"
    # The hostile title is text, in its own language; the others are in the page's.
    assert [tuple(deck) for deck in page["decks"] if deck[1] is not None] == [(HOSTILE_TITLE, "de")]


def test_open_in_quizapp_carries_the_key_from_the_address_in_the_qr_code(browser: Any, share: tuple[str, PublisherKey]) -> None:
    url, teacher = share
    page = show(browser, url, SIZES[0], "light")
    link = parse_subscribe_link(page["open"])
    assert (link.feed_url, link.key, link.words) == (url.split("#")[0], teacher.public_key, teacher.words)
    assert not page["noKeyShown"]
    # Opened without the key (typed by hand), the page says to scan the code again, and the
    # link carries no key, so the app pins nothing it was not shown.
    bare = show(browser, url.split("#")[0], SIZES[0], "light")
    assert bare["noKeyShown"] and parse_subscribe_link(bare["open"]).key is None
    forged = show(browser, url.split("#")[0] + "#key=" + "<script>" * 6, SIZES[0], "light")
    assert forged["noKeyShown"] and parse_subscribe_link(forged["open"]).key is None
