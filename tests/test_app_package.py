"""An Android package served beside a class's decks (`serve --app`): listed in the signed index
with its version, size and SHA-256, refused when it is not one, and announced to an app that
follows the feed when it is newer than the app."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, SMALL_DECK

from quizapp import __version__
from quizapp.cli import main
from quizapp.core.collection import Collection
from quizapp.core.errors import QuizappError
from quizapp.sharing.feed import (
    FeedError,
    add_app_package,
    app_package_version,
    check_for_updates,
    parse_index,
    publish,
    subscribe,
)
from quizapp.sharing.server import ShareServer
from quizapp.sharing.signing import PublisherKey

GENERATED = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
TEACHER = PublisherKey.generate()


def dummy_package(path: Path) -> Path:
    """A small zip shaped like an Android package (no real package can be built here)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00")
        archive.writestr("classes.dex", b"dex\n035\x00" + bytes(2000))
    return path


@pytest.fixture
def published(tmp_path: Path) -> Path:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK)
    publish(decks, tmp_path / "out", generated=GENERATED, signer=TEACHER)
    return tmp_path / "out"


def test_the_package_is_copied_in_and_listed_in_the_signed_index(published: Path, tmp_path: Path) -> None:
    package = dummy_package(tmp_path / "quizapp-0.3.1-arm64-v8a_armeabi-v7a-release.apk")
    listed = add_app_package(published, package, signer=TEACHER)
    data = package.read_bytes()
    assert (listed.version, listed.url, listed.size, listed.sha256) == ("0.3.1", "quizapp-0.3.1.apk", len(data), hashlib.sha256(data).hexdigest())
    assert (published / "quizapp-0.3.1.apk").read_bytes() == data
    index = parse_index((published / "index.json").read_bytes())
    assert index.app == listed and index.signer == TEACHER.public_key and [d.deck_id for d in index.decks] == ["small"]
    # The listing is under the signature: changing the version breaks it.
    document = json.loads((published / "index.json").read_bytes())
    document["app"]["version"] = "9.9.9"
    with pytest.raises(FeedError, match="signature: does not match"):
        parse_index(json.dumps(document).encode())


def test_the_version_comes_from_the_name_or_is_given(published: Path, tmp_path: Path) -> None:
    assert app_package_version(Path("quizapp-0.1.0-arm64-v8a-debug.apk")) == "0.1.0"
    with pytest.raises(QuizappError, match="give it with --app-version"):
        add_app_package(published, dummy_package(tmp_path / "app.apk"), signer=TEACHER)
    assert add_app_package(published, tmp_path / "app.apk", version="2.0", signer=TEACHER).url == "quizapp-2.0.apk"
    with pytest.raises(QuizappError, match="is not an app version"):
        add_app_package(published, tmp_path / "app.apk", version="../../x", signer=TEACHER)


@pytest.mark.parametrize("content", [b"", b"MZ\x90\x00 not a zip", "zip without a manifest"])
def test_what_is_not_an_android_package_is_refused_and_nothing_changes(published: Path, tmp_path: Path, content: bytes | str) -> None:
    package = tmp_path / "quizapp-0.3.1.apk"
    if isinstance(content, str):
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("readme.txt", content)
    else:
        package.write_bytes(content)
    before = (published / "index.json").read_bytes()
    with pytest.raises(QuizappError, match="is not an"):
        add_app_package(published, package, signer=TEACHER)
    assert (published / "index.json").read_bytes() == before and not list(published.glob("*.apk"))


def test_a_folder_signed_by_another_key_is_not_signed_again_with_this_one(published: Path, tmp_path: Path) -> None:
    package = dummy_package(tmp_path / "quizapp-0.3.1.apk")
    for signer in (PublisherKey.generate(), None):
        with pytest.raises(QuizappError, match="which this computer does not hold"):
            add_app_package(published, package, signer=signer)


@pytest.mark.parametrize(
    "app, message",
    [
        ({"version": "1.0", "url": "../quizapp.apk", "size": 1, "sha256": "a" * 64}, "app.url"),
        ({"version": "1.0", "url": "quizapp.exe", "size": 1, "sha256": "a" * 64}, "must name an .apk file"),
        ({"version": "latest", "url": "q.apk", "size": 1, "sha256": "a" * 64}, "app.version"),
        ({"version": "1.0", "url": "q.apk", "size": 2**40, "sha256": "a" * 64}, "app.size"),
        ({"version": "1.0", "url": "q.apk", "size": 1}, "app: the key 'sha256' is missing"),
    ],
)
def test_a_malformed_app_listing_is_refused_saying_where(app: dict[str, object], message: str) -> None:
    document = {"format": 2, "generated": GENERATED.isoformat(), "decks": [], "app": app}
    with pytest.raises(FeedError) as refused:
        parse_index(json.dumps(document).encode())
    assert message in str(refused.value)


@pytest.fixture
def share(published: Path) -> Iterator[ShareServer]:
    with ShareServer(published, host="127.0.0.1", port=0) as running:
        yield running


def test_an_app_following_the_feed_hears_of_a_newer_app_only(share: ShareServer, published: Path, tmp_path: Path, collection: Collection) -> None:
    package = dummy_package(tmp_path / "package.apk")
    subscribe(collection, share.url)
    for version, told in ((__version__, False), ("0.0.1", False), ("99.0", True)):
        add_app_package(published, package, version=version, signer=TEACHER)
        [update] = check_for_updates(collection)
        assert (update.newer_app is not None, any("this share offers quizapp 99.0" in note for note in update.notes)) == (told, told)
        assert update.errors == []


def test_update_prints_that_the_share_offers_a_newer_app(share: ShareServer, published: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_app_package(published, dummy_package(tmp_path / "quizapp-99.1.0-arm64-v8a-release.apk"), signer=TEACHER)
    learner = tmp_path / "learner"
    assert main(["--data-dir", str(learner), "subscribe", share.url]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(learner), "update"]) == 0
    out = capsys.readouterr().out
    assert f"note: this share offers quizapp 99.1.0 (you have {__version__}): open its page in your browser to install it" in out


def test_serve_with_app_offers_the_package_on_the_class_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "small.yaml").write_text(SMALL_DECK)
    teacher = tmp_path / "teacher"
    assert main(["--data-dir", str(teacher), "publish", str(decks), str(tmp_path / "out")]) == 0
    package = dummy_package(tmp_path / "quizapp-0.4.0-arm64-v8a-release.apk")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "quizapp.cli", "--data-dir", str(teacher), "serve", str(tmp_path / "out"), "--port", "0", "--host", "127.0.0.1", "--app", str(package)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        offering, _, students = (process.stdout.readline() for _ in range(3))
        digest = hashlib.sha256(package.read_bytes()).hexdigest()
        assert offering == f"Offering quizapp 0.4.0 for Android ({package.stat().st_size:,} bytes, SHA-256 {digest}) on the class page\n"
        address = students.rsplit(" ", 1)[1].split("#")[0]
        with urllib.request.urlopen(address, timeout=5) as response:
            assert "Download quizapp 0.4.0 for Android" in response.read().decode()
        with urllib.request.urlopen(address + "quizapp-0.4.0.apk", timeout=5) as response:
            assert response.read() == package.read_bytes()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
