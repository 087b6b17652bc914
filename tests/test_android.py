"""The Android build, checked offline: no SDK, NDK or network is needed (docs/android.md).

buildozer.spec is read with buildozer's own parser and checked with buildozer's own code (its
configuration checks, its version reading, its copy of the app's files); every requirement is
resolved against python-for-android's recipe graph or proved pure Python from the wheel tags of
the installed distribution; the manifest is rendered from python-for-android's own template.
The pure part of quizapp/ui/android_share.py is tested with fakes.

buildozer and python-for-android are test-only dependencies; without them the spec checks skip.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.metadata
import importlib.util
import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from conftest import SMALL_DECK

import quizapp
from quizapp.core.collection import DECK_SUFFIXES, Collection
from quizapp.core.deckfile import IMAGE_SUFFIXES
from quizapp.core.errors import ArchiveError
from quizapp.sharing.bundle import bundle_deck_file, read_bundle
from quizapp.ui import android_share
from quizapp.ui.android_share import (
    ACCEPTED_MIME_TYPES,
    ACTION_SEND,
    ACTION_SEND_MULTIPLE,
    ACTION_VIEW,
    FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY,
    DeckReceiver,
    IncomingDeck,
    IntentData,
    LocalFiles,
    ShareUnavailable,
    deck_file_name,
    deck_uris,
    export_for_sharing,
    file_uri_path,
    import_incoming,
    read_incoming,
    share_file_name,
    subscribe_link_of,
)
from quizapp.ui.notify import RECEIVER_CLASS

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "buildozer.spec"
INTENT_FILTERS = REPO / "android-manifest" / "intent_filters.xml"
RECEIVERS = REPO / "android-manifest" / "receivers.xml"
ANDROID_NS = "http://schemas.android.com/apk/res/android"
A = f"{{{ANDROID_NS}}}"

# What the phone runs: main.py and the package. The CLI is desktop-only but ships harmlessly.
RUNTIME_DIRS = ("quizapp", "decks", "assets")
RUNTIME_FILES = ("main.py",)
NOT_SHIPPED_DIRS = ("tests", "benchmarks", "docs")
# Files in the runtime folders the phone does not need (a type-checker marker).
NOT_NEEDED_SUFFIXES = {".typed", ".pyc"}

REQUIRED_PERMISSIONS = {
    "android.permission.INTERNET",  # feeds and the classroom LAN share
    "android.permission.RECEIVE_BOOT_COMPLETED",  # the daily reminder's alarm, set again after a reboot
    "android.permission.POST_NOTIFICATIONS",  # the daily reminder (asked for at run time on Android 13+)
}
OPTIONAL_PERMISSIONS = {"android.permission.ACCESS_NETWORK_STATE"}
ARCHS = {"arm64-v8a", "armeabi-v7a"}

# pyproject runtime dependencies that cannot run on the phone, and why. Each is proved to be
# neither a recipe nor pure Python, and the app may import it only inside a function (so it never
# loads at start-up) with a clear error when missing.
NOT_ON_ANDROID = {
    "zstandard": "C extension without a python-for-android recipe; only reading zstd-compressed "
    "Anki 2.1.50+ packages needs it (quizapp.sharing.anki_package imports it on use)",
}
# Packages whose installed wheel is compiled, but whose compiled part is an optional speed-up with
# a pure-Python fallback (python-for-android installs them from PyPI like pure packages).
PURE_FALLBACK = {
    "pyyaml": "yaml._yaml (libyaml) is optional; the loaders fall back to yaml.SafeLoader",
}
# Import names that are not distributions on PyPI: python-for-android's own modules.
P4A_MODULES = {"android": "android", "jnius": "pyjnius"}
# Standard-library modules python-for-android's Python lacks: {module: the recipe that adds it,
# or None when nothing does (no terminal or Tk on a phone)}.
STDLIB_ON_ANDROID_ONLY_WITH = {
    "bz2": "libbz2",
    "lzma": "liblzma",
    "tkinter": None,
    "turtle": None,
    "curses": None,
    "readline": None,
    "idlelib": None,
    "venv": None,
    "ensurepip": None,
    "dbm": None,
}


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


# -- buildozer's view of the spec ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def buildozer() -> Any:
    pytest.importorskip("buildozer", reason="buildozer is a test-only dependency (pip install buildozer)")
    from buildozer import Buildozer

    with _chdir(REPO):  # buildozer resolves source.dir and version.filename from the working folder
        try:
            return Buildozer(str(SPEC))  # runs buildozer's own configuration checks
        except SystemExit as exit_:  # buildozer exits(1) after printing the errors
            pytest.fail(f"buildozer refused buildozer.spec (exit {exit_.code}); see the output above")


@pytest.fixture(scope="module")
def config(buildozer: Any) -> Any:
    return buildozer.config


@pytest.fixture(scope="module")
def p4a() -> ModuleType:
    module: ModuleType = pytest.importorskip("pythonforandroid", reason="python-for-android is a test-only dependency")
    return module


def _pyproject() -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")
    with (REPO / "pyproject.toml").open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    return data


def _canon(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def _requirements(config: Any) -> dict[str, str | None]:
    """Spec requirements as {name as spelt: pinned version or None}."""
    pins: dict[str, str | None] = {}
    for entry in config.getlist("app", "requirements", []):
        name, _, version = entry.partition("==")
        pins[name] = version or None
    return pins


def test_spec_has_no_inline_comments_or_unknown_keys(config: Any) -> None:
    """A `#` after a value is part of the value; a misspelt key is silently ignored."""
    from buildozer import __file__ as buildozer_init

    default_spec = (Path(buildozer_init).parent / "default.spec").read_text()
    known = set(re.findall(r"^#?\s*([A-Za-z0-9_.\-]+)\s*=", default_spec, re.MULTILINE))
    for section in ("app", "buildozer"):
        for key, value in config.items(section, raw=True):
            if key == "source.dir" and section == "app":
                continue
            assert key in known, f"[{section}] {key} is not a buildozer option (misspelt?)"
            if key == "android.presplash_color":
                assert re.fullmatch(r"#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", value), value
            else:
                assert "#" not in value, f"[{section}] {key} = {value!r}: '#' after a value is not a comment"
            assert "\n" not in value.strip(), f"[{section}] {key}: an indented line continued the value"


def test_identity_orientation_and_artifacts(config: Any) -> None:
    name, domain = config.get("app", "package.name"), config.get("app", "package.domain")
    application_id = f"{domain}.{name}"
    assert re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", application_id), application_id
    assert config.get("app", "title")
    assert config.getlist("app", "orientation") == ["portrait"]
    assert config.getboolean("app", "fullscreen") is False
    assert set(config.getlist("app", "android.archs")) == ARCHS
    assert config.get("app", "android.release_artifact") == "aab"
    assert config.get("app", "android.manifest.launch_mode") == "singleTask"  # opened files reach the running app
    assert config.getboolean("app", "android.allow_backup") is False  # progress stays on the device


def test_api_levels_suit_python_for_android(config: Any, p4a: ModuleType) -> None:
    from pythonforandroid import recommendations

    api, minapi = config.getint("app", "android.api"), config.getint("app", "android.minapi")
    assert api >= max(34, recommendations.MIN_TARGET_API)
    assert minapi >= max(24, recommendations.MIN_NDK_API)
    assert config.getint("app", "android.ndk_api") == minapi
    assert minapi < api
    ndk = config.get("app", "android.ndk")
    assert int(re.match(r"\d+", ndk).group()) >= recommendations.MIN_NDK_VERSION  # type: ignore[union-attr]
    assert ndk == recommendations.RECOMMENDED_NDK_VERSION


def test_python_for_android_release_is_the_one_tested_here(config: Any, p4a: ModuleType) -> None:
    """The build clones p4a.branch; the recipes checked below come from the installed package."""
    assert config.get("app", "p4a.branch") == f"v{p4a.__version__}", "pin p4a.branch to the python-for-android version in the venv (or upgrade the venv)"
    assert config.get("app", "p4a.bootstrap") == "sdl2"


def test_version_is_the_package_version(buildozer: Any) -> None:
    with _chdir(REPO):
        version = buildozer.get_version()
    assert version == quizapp.__version__
    project = _pyproject()["project"]
    if "version" in project:
        assert version == project["version"]
    else:  # a dynamic version read from quizapp.__version__
        assert "version" in project.get("dynamic", [])
    # python-for-android turns the version into the integer versionCode: numbers and dots only.
    assert re.fullmatch(r"\d+(\.\d+)*", version), f"{version!r}: Android needs numbers and dots"
    code = 0
    for part in version.split("."):
        code = code * 100 + int(part)
        assert int(part) < 100
    assert int(f"10{buildozer.config.getint('app', 'android.minapi')}{code}") < 2**31


# -- requirements against python-for-android's recipes ------------------------------------------------


@pytest.fixture(scope="module")
def resolved(config: Any, p4a: ModuleType) -> tuple[list[str], list[str], Any]:
    """python-for-android's own dependency resolution: (recipes in build order, pip modules, ctx)."""
    from pythonforandroid.bootstrap import Bootstrap
    from pythonforandroid.build import Context
    from pythonforandroid.graph import get_recipe_order_and_bootstrap

    ctx = Context()
    bootstrap = Bootstrap.get_bootstrap(config.get("app", "p4a.bootstrap"), ctx)
    recipes, modules, _bs = get_recipe_order_and_bootstrap(ctx, list(_requirements(config)), bootstrap)
    return recipes, modules, ctx


def _recipe(name: str, ctx: Any) -> Any | None:
    from pythonforandroid.recipe import Recipe

    try:
        return Recipe.get_recipe(name, ctx)
    except ValueError:
        return None


def _android_environment(ctx: Any) -> dict[str, str]:
    """PEP 508 marker values on the phone (python-for-android's CPython reports 'android')."""
    python = str(_recipe("python3", ctx)._version)  # type: ignore[union-attr]
    return {
        "sys_platform": "android",
        "platform_system": "Android",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "extra": "",
    }


def _runtime_dependencies(ctx: Any) -> dict[str, Any]:
    """pyproject's runtime dependencies that apply on Android: {canonical name: Requirement}."""
    from packaging.requirements import Requirement

    environment = _android_environment(ctx)
    result = {}
    for line in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            result[_canon(requirement.name)] = requirement
    return result


def _is_pure(distribution: importlib.metadata.Distribution) -> bool:
    wheel = distribution.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag:\s*(\S+)", wheel, re.MULTILINE)
    return bool(tags) and "Root-Is-Purelib: true" in wheel and all(tag.endswith("-none-any") for tag in tags)


def test_every_requirement_is_pinned_with_equals(config: Any) -> None:
    """python-for-android understands only `name` and `name==version`."""
    for entry in config.getlist("app", "requirements"):
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(==[A-Za-z0-9_.+!\-]+)?", entry), entry
    pins = _requirements(config)
    assert {"python3", "sqlite3", "kivy"} <= set(pins), "sqlite3 must be named: the progress store needs it"
    assert len({_canon(name) for name in pins}) == len(pins), "a requirement is listed twice"


def test_every_requirement_is_a_recipe_or_pure_python(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    recipes, modules, ctx = resolved
    assert {"python3", "sqlite3", "kivy", "sdl2", "pyjnius", "android"} <= set(recipes)
    problems = []
    for name, pin in _requirements(config).items():
        recipe = _recipe(name, ctx)
        if recipe is not None:
            assert name.lower() in recipes
            if pin is not None:
                # A pin only takes effect under the recipe's own spelling (VERSION_<name>), and
                # another version than the recipe's may not match its patches.
                assert name == recipe.name, f"spell {name!r} as the recipe folder {recipe.name!r} so the pin applies"
                assert pin == recipe._version, f"{name}=={pin}: the recipe builds {recipe._version}"
            continue
        assert name in modules, f"{name} is neither a recipe nor installed with pip by python-for-android"
        assert pin is not None, f"{name}: pin pure-Python requirements (python-for-android installs them with --no-deps)"
        assert "-" not in name, f"{name}: spell it with underscores, as python-for-android's resolver compares names"
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed in this environment, so its purity cannot be checked (install it as a test dependency)")
            continue
        if not _is_pure(distribution) and _canon(name) not in PURE_FALLBACK:
            problems.append(f"{name}: the installed wheel is compiled and python-for-android has no recipe for it")
    assert problems == []


def test_pins_satisfy_pyproject(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    _recipes, _modules, ctx = resolved
    dependencies = _runtime_dependencies(ctx)
    for name, pin in _requirements(config).items():
        requirement = dependencies.get(_canon(name))
        if requirement is not None and pin is not None:
            assert requirement.specifier.contains(pin, prereleases=True), f"{name}=={pin} is outside pyproject's {requirement}"


def test_every_runtime_dependency_is_in_the_requirements(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    _recipes, _modules, ctx = resolved
    listed = {_canon(name) for name in _requirements(config)}
    missing = sorted(set(_runtime_dependencies(ctx)) - listed - set(NOT_ON_ANDROID))
    assert missing == [], f"pyproject runtime dependencies missing from buildozer.spec requirements: {missing}"


def test_dependencies_of_pure_requirements_are_listed(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    """python-for-android installs pure packages with --no-deps: what they need must be listed
    (recipes bring their own dependencies)."""
    from packaging.requirements import Requirement

    _recipes, _modules, ctx = resolved
    environment = _android_environment(ctx)
    listed = {_canon(name) for name in _requirements(config)}
    missing = []
    for name in _requirements(config):
        if _recipe(name, ctx) is not None:
            continue
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            for line in importlib.metadata.requires(name) or []:
                requirement = Requirement(line)
                if requirement.marker is not None and not requirement.marker.evaluate(environment):
                    continue
                if _canon(requirement.name) not in listed:
                    missing.append(f"{name} needs {requirement}")
    assert missing == []


def test_packages_left_out_really_cannot_go_and_never_load_at_start_up(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    _recipes, _modules, ctx = resolved
    listed = {_canon(name) for name in _requirements(config)}
    for name in NOT_ON_ANDROID:
        assert name not in listed
        assert _recipe(name, ctx) is None, f"{name} now has a recipe: add it to the requirements"
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            assert not _is_pure(importlib.metadata.distribution(name)), f"{name} is pure Python: add it to the requirements"
    for module, imports in _app_imports().items():
        for top, at_module_level in imports:
            if top in NOT_ON_ANDROID:
                assert not at_module_level, f"{module} imports {top} at module level: the app would not start on Android"


# -- what the app imports ----------------------------------------------------------------------------


def _app_modules() -> list[Path]:
    return [REPO / name for name in RUNTIME_FILES] + sorted((REPO / "quizapp").rglob("*.py"))


@cache
def _app_imports() -> dict[str, list[tuple[str, bool]]]:
    """{module path: [(top-level package imported, imported at module level?)]} for the app's code,
    leaving out `if TYPE_CHECKING:` blocks."""
    result: dict[str, list[tuple[str, bool]]] = {}
    for path in _app_modules():
        found: list[tuple[str, bool]] = []

        def visit(node: ast.AST, module_level: bool, found: list[tuple[str, bool]] = found) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                    for statement in child.orelse:
                        visit(statement, module_level)
                    continue
                if isinstance(child, ast.Import):
                    found.extend((alias.name.split(".")[0], module_level) for alias in child.names)
                elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                    found.append((child.module.split(".")[0], module_level))
                inner = module_level and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                visit(child, inner)

        visit(ast.parse(path.read_text(), str(path)), True)
        result[str(path.relative_to(REPO))] = [(top, level) for top, level in found if top not in ("__future__", "quizapp")]
    return result


def test_everything_the_app_imports_is_in_the_requirements(config: Any, resolved: tuple[list[str], list[str], Any]) -> None:
    """Third-party imports anywhere in the app (start-up or on use) resolve to a requirement,
    and no standard-library module it uses is missing from python-for-android's Python."""
    recipes, _modules, ctx = resolved
    listed = {_canon(name) for name in _requirements(config)}
    by_import = {top: [_canon(dist) for dist in dists] for top, dists in importlib.metadata.packages_distributions().items()}
    for name in _requirements(config):
        recipe = _recipe(name, ctx)
        if recipe is not None:
            by_import.setdefault(getattr(recipe, "site_packages_name", None) or recipe.name, []).append(_canon(name))
    for top, requirement in P4A_MODULES.items():
        by_import.setdefault(top, []).append(requirement)
    # python3's recipe builds _lzma and _bz2 when these recipes are in the build.
    assert {"libbz2", "liblzma"} <= set(_recipe("python3", ctx).opt_depends)  # type: ignore[union-attr]
    problems = []
    for module, imports in _app_imports().items():
        for top, _at_module_level in imports:
            if top in sys.stdlib_module_names:
                if top in STDLIB_ON_ANDROID_ONLY_WITH and STDLIB_ON_ANDROID_ONLY_WITH[top] not in recipes:
                    recipe = STDLIB_ON_ANDROID_ONLY_WITH[top]
                    fix = f"add the {recipe} recipe to the requirements" if recipe else "there is no way to add it"
                    problems.append(f"{module}: {top} is not in python-for-android's Python ({fix})")
            elif top in NOT_ON_ANDROID:
                continue  # checked above: only on use, never at start-up
            elif not set(by_import.get(top, [])) & listed:
                problems.append(f"{module} imports {top}, which no requirement provides")
    assert problems == []


def test_no_root_folder_shadows_a_module_of_the_phone() -> None:
    """A folder `android/` at the root would be importable as `android` on a desktop (a
    namespace package), fooling `try: import android` checks and type checkers."""
    for name in {*P4A_MODULES, "kivy", "yaml", "fsrs", "androidstorage4kivy"}:
        assert not (REPO / name).exists(), f"rename the folder {name}/: it shadows the module {name}"


def test_pyyaml_runs_without_its_c_extension() -> None:
    """On the phone PyYAML is pure Python: the bundled decks and help still load."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["yaml._yaml"] = None  # as on a phone: the compiled speed-up is missing
        import yaml
        assert not yaml.__with_libyaml__
        from pathlib import Path
        from quizapp.core.datadir import bundled_decks_dir
        from quizapp.core.deckfile import load_deck
        from quizapp.core.help import load_help
        decks = [load_deck(p) for p in sorted(bundled_decks_dir().glob("*.yaml"))]
        assert decks and load_help()
        print(len(decks))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1


# -- files shipped ------------------------------------------------------------------------------------


def _runtime_files() -> list[Path]:
    files = [REPO / name for name in RUNTIME_FILES]
    for folder in RUNTIME_DIRS:
        for path in sorted((REPO / folder).rglob("*")):
            relative = path.relative_to(REPO)
            if path.is_file() and "__pycache__" not in relative.parts and not any(p.startswith(".") for p in relative.parts):
                files.append(path)
    return files


def test_include_exts_cover_every_file_type_the_app_loads(config: Any) -> None:
    include = {f".{ext.lower()}" for ext in config.getlist("app", "source.include_exts")}
    present = {path.suffix.lower() for path in _runtime_files()} - NOT_NEEDED_SUFFIXES
    assert present - include == set(), "file types the app loads but buildozer would leave out"
    # Decks and their images come in these types even if none is in the repository yet.
    assert set(DECK_SUFFIXES) | set(IMAGE_SUFFIXES) | {".py", ".kv", ".json", ".ttf"} <= include


def test_buildozer_copies_every_runtime_file_and_no_tests(buildozer: Any, tmp_path: Path) -> None:
    """Buildozer's own copy step, into a temporary folder: what the APK would hold."""
    from buildozer import Buildozer

    class CopyOnly(Buildozer):  # type: ignore[misc]
        @property
        def app_dir(self) -> str:
            return str(tmp_path / "app")

    copier = CopyOnly.__new__(CopyOnly)
    copier.__dict__.update(buildozer.__dict__)
    level = copier.logger.log_level
    copier.logger.set_level(0)  # errors only: not a line per file copied
    try:
        with _chdir(REPO):
            copier._copy_application_sources()
    finally:
        copier.logger.set_level(level)
    app = tmp_path / "app"
    copied = {path.relative_to(app) for path in app.rglob("*") if path.is_file()}
    needed = {path.relative_to(REPO) for path in _runtime_files() if path.suffix not in NOT_NEEDED_SUFFIXES}
    assert needed - copied == set()
    assert {Path(p).parts[0] for p in map(str, copied)} <= {*RUNTIME_DIRS, *RUNTIME_FILES}, "only the app ships"
    assert not any(path.parts[0] in NOT_SHIPPED_DIRS for path in copied)
    assert (app / "decks").is_dir() and (app / "assets" / "help" / "help.yaml").is_file()


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as file:
        header = file.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def _spec_path(config: Any, key: str) -> Path:
    return (REPO / str(config.get("app", key))).resolve()


def test_icon_is_a_512_pixel_square_png(config: Any) -> None:
    icon = _spec_path(config, "icon.filename")
    assert icon.is_file(), f"missing {icon.relative_to(REPO)}: the app icon, a 512x512 PNG"
    assert _png_size(icon) == (512, 512)


def test_presplash_is_a_reasonable_png(config: Any) -> None:
    presplash = _spec_path(config, "presplash.filename")
    assert presplash.is_file(), f"missing {presplash.relative_to(REPO)}: the loading screen, a PNG"
    width, height = _png_size(presplash)
    # Shown centred and scaled before Python starts: big enough to be sharp, small enough to load fast.
    assert 512 <= min(width, height) and max(width, height) <= 2048, (width, height)
    assert presplash.stat().st_size < 2 * 2**20


# -- permissions and the manifest ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def p4a_build(p4a: ModuleType) -> ModuleType:
    """python-for-android's packaging script (the one that writes AndroidManifest.xml)."""
    path = Path(str(p4a.__file__)).parent / "bootstraps" / "common" / "build" / "build.py"
    before = os.environ.get("P4A_BUILD_IS_RUNNING_UNITTESTS")
    os.environ["P4A_BUILD_IS_RUNNING_UNITTESTS"] = "1"  # do not look for a built distribution
    try:
        spec = importlib.util.spec_from_file_location("p4a_bootstrap_build", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if before is None:
            del os.environ["P4A_BUILD_IS_RUNNING_UNITTESTS"]
        else:
            os.environ["P4A_BUILD_IS_RUNNING_UNITTESTS"] = before
    return module


def _permission_names(config: Any, p4a_build: ModuleType) -> set[str]:
    return {p["name"] for p in p4a_build.parse_permissions(config.getlist("app", "android.permissions", []))}


def test_permissions_are_the_network_and_the_reminder(config: Any, p4a_build: ModuleType) -> None:
    names = _permission_names(config, p4a_build)
    assert REQUIRED_PERMISSIONS <= names
    assert names - REQUIRED_PERMISSIONS <= OPTIONAL_PERMISSIONS, f"unexpected permissions: {names - REQUIRED_PERMISSIONS - OPTIONAL_PERMISSIONS}"


def _intent_filters_fragment() -> ET.Element:
    """The file as python-for-android pastes it: inside the <activity> element."""
    text = INTENT_FILTERS.read_text()
    return ET.fromstring(f'<activity xmlns:android="{ANDROID_NS}">{text}</activity>')


def test_intent_filters_file_is_valid_and_open_quizdeck_files(config: Any) -> None:
    assert (REPO / str(config.get("app", "android.manifest.intent_filters"))).resolve() == INTENT_FILTERS
    activity = _intent_filters_fragment()
    filters = activity.findall("intent-filter")
    assert filters and all(child.tag == "intent-filter" for child in activity)
    actions = {a.get(A + "name") for f in filters for a in f.findall("action")}
    assert {"android.intent.action.VIEW", "android.intent.action.SEND"} <= actions
    for intent_filter in filters:
        assert "android.intent.category.DEFAULT" in {c.get(A + "name") for c in intent_filter.findall("category")}
    patterns = [d.get(A + "pathPattern", "") for f in filters for d in f.findall("data") if d.get(A + "pathPattern")]
    assert patterns and all(p.endswith("\\\\.quizdeck") for p in patterns), patterns
    mime_types = {d.get(A + "mimeType") for f in filters for d in f.findall("data")} - {None, "*/*"}
    assert mime_types == set(ACCEPTED_MIME_TYPES), "android-manifest/intent_filters.xml and android_share.ACCEPTED_MIME_TYPES differ"


def test_intent_filters_let_a_browser_open_quizapp_subscribe_links(config: Any) -> None:
    """The class page's "Open in quizapp" button: a browser opens only BROWSABLE VIEW filters."""
    link_filters = [f for f in _intent_filters_fragment().findall("intent-filter") if any(d.get(A + "scheme") == "quizapp" for d in f.findall("data"))]
    assert len(link_filters) == 1
    [link_filter] = link_filters
    assert {a.get(A + "name") for a in link_filter.findall("action")} == {"android.intent.action.VIEW"}
    assert {c.get(A + "name") for c in link_filter.findall("category")} == {"android.intent.category.DEFAULT", "android.intent.category.BROWSABLE"}
    assert [(d.get(A + "scheme"), d.get(A + "host")) for d in link_filter.findall("data")] == [("quizapp", "subscribe")]
    link = f"quizapp://subscribe?url=http%3A%2F%2F10.0.0.5%3A8765%2F&key={'A' * 43}"
    assert subscribe_link_of(IntentData(ACTION_VIEW, data=link)) == link
    assert deck_uris(IntentData(ACTION_VIEW, data=link)) == []  # never taken for a deck file
    assert subscribe_link_of(IntentData(ACTION_VIEW, data=link, flags=FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY)) is None
    assert subscribe_link_of(IntentData(ACTION_VIEW, data=CONTENT_URI)) is None


def test_rendered_manifest(config: Any, p4a: ModuleType, p4a_build: ModuleType, buildozer: Any) -> None:
    """AndroidManifest.xml as python-for-android's template writes it from this spec."""
    import jinja2

    templates = Path(str(p4a.__file__)).parent / "bootstraps" / "_sdl_common" / "build" / "templates"
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)))

    class Args(SimpleNamespace):
        def __getattr__(self, _name: str) -> Any:
            return None  # options this spec leaves unset

    args: Any = Args()
    with _chdir(REPO):
        args.version = buildozer.get_version()
    args.numeric_version = 1
    args.min_sdk_version = config.getint("app", "android.minapi")
    args.permissions = p4a_build.parse_permissions(config.getlist("app", "android.permissions", []))
    args.allow_backup = "false" if not config.getboolean("app", "android.allow_backup") else "true"
    args.android_apptheme = "@android:style/Theme.NoTitleBar"
    args.window = not config.getboolean("app", "fullscreen")
    args.android_used_libs, args.meta_data, args.add_activity = [], [], []
    args.android_entrypoint = "org.kivy.android.PythonActivity"
    args.manifest_orientation = p4a_build.get_manifest_orientation(config.getlist("app", "orientation"))
    args.activity_launch_mode = config.get("app", "android.manifest.launch_mode")
    args.intent_filters = INTENT_FILTERS.read_text()
    args.extra_manifest_xml = args.extra_manifest_application_arguments = ""
    text = environment.get_template("AndroidManifest.tmpl.xml").render(
        args=args, service=False, service_data=[], native_services=[], debug=False, url_scheme="kivy",
        android_api=config.getint("app", "android.api"),
    )
    text = _p4a_hook(config).with_receivers(text, RECEIVERS.read_text())  # what the build's hook does
    manifest = ET.fromstring(text)
    sdk = manifest.find("uses-sdk")
    assert sdk is not None and sdk.get(A + "targetSdkVersion") == config.get("app", "android.api")
    assert {p.get(A + "name") for p in manifest.findall("uses-permission")} == _permission_names(config, p4a_build)
    application = manifest.find("application")
    assert application is not None and application.get(A + "allowBackup") == "false"
    activity = application.find("activity")
    assert activity is not None
    assert activity.get(A + "screenOrientation") == "portrait"
    assert activity.get(A + "launchMode") == "singleTask"
    filters = activity.findall("intent-filter")
    assert len(filters) == 1 + len(_intent_filters_fragment().findall("intent-filter"))  # the launcher's + ours
    [receiver] = application.findall("receiver")
    assert receiver.get(A + "name") == RECEIVER_CLASS and receiver.get(A + "exported") == "false"
    assert {a.get(A + "name") for a in receiver.iter("action")} == {"android.intent.action.BOOT_COMPLETED", "android.intent.action.MY_PACKAGE_REPLACED"}
    assert _p4a_hook(config).with_receivers(text, RECEIVERS.read_text()) == text  # a second build adds nothing


def _p4a_hook(config: Any) -> ModuleType:
    path = REPO / str(config.get("app", "p4a.hook"))
    spec = importlib.util.spec_from_file_location("quizapp_p4a_hook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reminders_java_receiver_is_built_into_the_app(config: Any) -> None:
    [source_dir] = config.getlist("app", "android.add_src", [])
    java = REPO / source_dir / Path(*RECEIVER_CLASS.split(".")).with_suffix(".java")
    assert java.is_file(), java
    text = java.read_text()
    assert f"package {RECEIVER_CLASS.rsplit('.', 1)[0]};" in text
    app_id = f"{config.get('app', 'package.domain')}.{config.get('app', 'package.name')}"
    assert RECEIVER_CLASS.startswith(app_id + "."), "the receiver lives in the app's own package"
    assert f"{source_dir}" in config.get("app", "source.exclude_dirs")  # Java is compiled, not shipped as a file


# -- android_share: the pure part, with fakes ------------------------------------------------------------

CONTENT_URI = "content://com.example.mail.provider/attachment/17"


class FakeStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


class FakeUris:
    """A ContentResolver stand-in: {uri: (display name or None, bytes)}; a missing uri fails."""

    def __init__(self, files: dict[str, tuple[str | None, bytes]]) -> None:
        self.files = files
        self.streams: list[FakeStream] = []

    def display_name(self, uri: str) -> str | None:
        return self.files[uri][0]

    def open(self, uri: str) -> FakeStream:
        if uri not in self.files:
            raise FileNotFoundError(f"{uri} was withdrawn by the sender")
        stream = FakeStream(self.files[uri][1])
        self.streams.append(stream)
        return stream


def _bundle_bytes(tmp_path: Path, text: str = SMALL_DECK) -> bytes:
    deck_file = tmp_path / "src" / "small.yaml"
    deck_file.parent.mkdir(parents=True, exist_ok=True)
    deck_file.write_text(text)
    target = tmp_path / "small.quizdeck"
    bundle_deck_file(deck_file, target)
    return target.read_bytes()


def test_deck_uris_for_open_and_share_intents() -> None:
    other = "content://media/external/downloads/3"
    assert deck_uris(IntentData(ACTION_VIEW, data=CONTENT_URI, mime_type="application/octet-stream")) == [CONTENT_URI]
    assert deck_uris(IntentData(ACTION_SEND, streams=(CONTENT_URI, CONTENT_URI))) == [CONTENT_URI]
    assert deck_uris(IntentData(ACTION_SEND_MULTIPLE, streams=(CONTENT_URI, other, CONTENT_URI))) == [CONTENT_URI, other]
    assert deck_uris(IntentData(ACTION_VIEW, data="file:///sdcard/Download/a.quizdeck")) == ["file:///sdcard/Download/a.quizdeck"]


def test_deck_uris_ignore_the_launcher_recents_and_web_links() -> None:
    assert deck_uris(IntentData("android.intent.action.MAIN")) == []
    assert deck_uris(IntentData(None)) == []
    relaunched = IntentData(ACTION_VIEW, data=CONTENT_URI, flags=FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY | 0x10000000)
    assert deck_uris(relaunched) == []
    assert deck_uris(IntentData(ACTION_VIEW, data="https://school.example/decks/a.quizdeck")) == []
    assert deck_uris(IntentData(ACTION_SEND, data=CONTENT_URI)) == []  # SEND carries its file in EXTRA_STREAM


@pytest.mark.parametrize(
    ("display_name", "uri", "expected"),
    [
        ("overdose-response-v2.quizdeck", CONTENT_URI, "overdose-response-v2.quizdeck"),
        ("../../databases/progress.quizdeck", CONTENT_URI, "progress.quizdeck"),
        ("..\\evil.QUIZDECK", CONTENT_URI, "evil.QUIZDECK"),
        ("deck from Ms. Lee.zip", CONTENT_URI, "deck from Ms. Lee.zip.quizdeck"),
        ("bad\x00name\n.quizdeck", CONTENT_URI, "badname.quizdeck"),
        ("", CONTENT_URI, "17.quizdeck"),
        (None, "file:///sdcard/Download/My%20deck.quizdeck", "My deck.quizdeck"),
        (None, "content://provider/", "shared.quizdeck"),
        ("...", CONTENT_URI, "shared.quizdeck"),
        ("x" * 500, CONTENT_URI, "x" * 111 + ".quizdeck"),
    ],
)
def test_deck_file_name_is_safe(display_name: str | None, uri: str, expected: str) -> None:
    assert deck_file_name(display_name, uri) == expected


def test_received_deck_is_imported_and_again_changes_nothing(tmp_path: Path, collection: Collection) -> None:
    data = _bundle_bytes(tmp_path)
    source = FakeUris({CONTENT_URI: ("small-v1.quizdeck", data)})
    deck = read_incoming(CONTENT_URI, source)
    assert deck == IncomingDeck(uri=CONTENT_URI, name="small-v1.quizdeck", data=data)
    result = import_incoming(collection, deck)
    assert (result.deck_id, result.version, result.changed) == ("small", 1, True)
    assert [summary.deck_id for summary in collection.decks()] == ["small"]
    assert import_incoming(collection, read_incoming(CONTENT_URI, source)).changed is False


def test_oversized_file_is_refused_without_reading_it_all() -> None:
    source = FakeUris({CONTENT_URI: ("big.quizdeck", b"x" * 5000)})
    with pytest.raises(ArchiveError, match="big.quizdeck is larger than"):
        read_incoming(CONTENT_URI, source, max_bytes=1000)
    assert source.streams[0].bytes_read == 1001
    assert read_incoming(CONTENT_URI, FakeUris({CONTENT_URI: (None, b"y" * 1000)}), max_bytes=1000).data == b"y" * 1000


def test_a_file_that_is_not_a_bundle_is_refused_and_nothing_is_written(collection: Collection) -> None:
    deck = read_incoming(CONTENT_URI, FakeUris({CONTENT_URI: ("holiday.zip", b"PK\x03\x04 not really")}))
    assert deck.name == "holiday.zip.quizdeck"
    with pytest.raises(ArchiveError):
        import_incoming(collection, deck)
    assert collection.decks() == []


def test_a_provider_without_names_still_gives_the_file(tmp_path: Path) -> None:
    class Nameless(FakeUris):
        def display_name(self, uri: str) -> str | None:
            raise RuntimeError("no DISPLAY_NAME column")

    deck = read_incoming(CONTENT_URI, Nameless({CONTENT_URI: (None, b"data")}))
    assert deck.name == "17.quizdeck" and deck.data == b"data"


def test_local_files_read_file_uris(tmp_path: Path) -> None:
    path = tmp_path / "a deck.quizdeck"
    path.write_bytes(b"bytes")
    uri = path.as_uri()
    assert file_uri_path(uri) == path
    deck = read_incoming(uri, LocalFiles())
    assert (deck.name, deck.data) == ("a deck.quizdeck", b"bytes")
    with pytest.raises(ValueError):
        file_uri_path(CONTENT_URI)


def test_receiver_reads_on_a_worker_and_reports_each_file(tmp_path: Path) -> None:
    data = _bundle_bytes(tmp_path)
    missing = "content://com.example.mail.provider/attachment/18"
    decks: list[IncomingDeck] = []
    errors: list[tuple[str, str]] = []
    source = FakeUris({CONTENT_URI: ("small.quizdeck", data)})
    receiver = DeckReceiver(decks.append, lambda name, message: errors.append((name, message)), source_factory=lambda: source, schedule=lambda function: function())
    assert receiver.start() is False  # not on Android: nothing to listen to
    assert receiver.receive(IntentData("android.intent.action.MAIN")) is None
    worker = receiver.receive(IntentData(ACTION_SEND_MULTIPLE, streams=(CONTENT_URI, missing)))
    assert worker is not None
    worker.join(timeout=10)
    assert [deck.name for deck in decks] == ["small.quizdeck"]
    assert read_bundle(decks[0].data).deck.id == "small"
    assert errors == [("18.quizdeck", f"{missing} was withdrawn by the sender")]


def test_export_for_sharing_makes_a_bundle_named_like_a_feed_entry(tmp_path: Path, collection: Collection) -> None:
    deck_file = tmp_path / "decks" / "small.yaml"
    deck_file.parent.mkdir()
    deck_file.write_text(SMALL_DECK.replace("version: 1", "version: 3"))
    collection.sync_files([deck_file])
    path = export_for_sharing(collection, "small", tmp_path / "cache" / "share")
    assert path.name == share_file_name("small", 3) == "small-v3.quizdeck"
    assert read_bundle(path).deck.info.version == 3


def test_sharing_off_android_says_why(tmp_path: Path, collection: Collection) -> None:
    with pytest.raises(ShareUnavailable, match="needs Android"):
        android_share.share_quizdeck(tmp_path / "small-v1.quizdeck")
    with pytest.raises(ShareUnavailable, match="needs Android"):
        android_share.share_deck(collection, "small")


def test_desktop_never_loads_the_android_modules() -> None:
    script = "import sys, quizapp.ui.android_share; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = set(result.stdout.split())
    assert not loaded & {"jnius", "android", "androidstorage4kivy", "kivy"}
