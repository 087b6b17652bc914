"""Where the app keeps a learner's data: the same folder Kivy's `App.user_data_dir` gives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "quizapp"
ENV_VAR = "QUIZAPP_DATA_DIR"


def default_data_dir(app_name: str = APP_NAME) -> Path:
    """`QUIZAPP_DATA_DIR` if set, else the platform's user data folder for the app.

    Mirrors Kivy's App.user_data_dir without importing kivy, so the CLI and the app agree.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    # python-for-android exports the app's private files folder (Context.getFilesDir()).
    android_private = os.environ.get("ANDROID_PRIVATE")
    if android_private and "ANDROID_ARGUMENT" in os.environ:
        return Path(android_private)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / app_name
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / app_name
    return Path(os.environ.get("XDG_CONFIG_HOME", "~/.config")).expanduser() / app_name


def bundled_decks_dir() -> Path:
    """The decks shipped with the app (the repository's decks/, packaged as is on Android)."""
    return Path(__file__).resolve().parents[2] / "decks"


def imported_decks_dir(data_dir: Path) -> Path:
    """Where decks a learner imported (bundles, feeds, Anki) are kept as YAML, beside the progress:
    one folder per deck, holding `<deck id>.yaml` and the media its cards use."""
    return data_dir / "decks"
