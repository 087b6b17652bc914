"""Imports go one way: core and sharing never import kivy, and core never imports sharing or ui."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _imported_after(packages: list[str]) -> set[str]:
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        for name in {packages!r}:
            package = importlib.import_module(name)
            for module in pkgutil.walk_packages(package.__path__, name + "."):
                importlib.import_module(module.name)
        print("\\n".join(sorted(sys.modules)))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_core_and_sharing_never_import_kivy() -> None:
    modules = _imported_after(["quizapp.core", "quizapp.sharing"])
    assert "quizapp.core.collection" in modules  # the walk really imported the core
    assert not {m for m in modules if m == "kivy" or m.startswith("kivy.")}


def test_core_does_not_depend_on_sharing_or_ui() -> None:
    modules = _imported_after(["quizapp.core"])
    assert not {m for m in modules if m.startswith(("quizapp.sharing", "quizapp.ui", "quizapp.cli"))}
