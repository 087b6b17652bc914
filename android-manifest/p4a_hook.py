"""python-for-android build hook (buildozer.spec: p4a.hook): adds the receivers in
receivers.xml to the AndroidManifest.xml that python-for-android has just written, since its
template has no option for <receiver> elements. Runs on the build machine, never on the phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RECEIVERS = Path(__file__).with_name("receivers.xml")
MANIFEST = Path("src/main/AndroidManifest.xml")  # relative to the distribution being built
END_OF_APPLICATION = "</application>"


def with_receivers(manifest: str, receivers: str) -> str:
    """The manifest text with `receivers` pasted before </application> (once: a second build of
    the same distribution leaves it as it is)."""
    if receivers.strip() in manifest:
        return manifest
    if manifest.count(END_OF_APPLICATION) != 1:
        raise ValueError(f"expected one {END_OF_APPLICATION} in the manifest")
    return manifest.replace(END_OF_APPLICATION, f"{receivers.strip()}\n    {END_OF_APPLICATION}")


def after_apk_build(_toolchain: Any) -> None:
    """python-for-android calls this in the distribution's folder, after writing the manifest
    and before Gradle builds the package."""
    MANIFEST.write_text(with_receivers(MANIFEST.read_text(encoding="utf-8"), RECEIVERS.read_text(encoding="utf-8")), encoding="utf-8")
