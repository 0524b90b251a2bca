"""Which files the wheel ships; everything else about the package is in pyproject.toml.

The scenarios, the cases' targets and the experiment definitions live in folders at the top of
the repository, where a user finds, copies and edits them. The wheel carries the same files as
package data under ``sim/data/`` (where :func:`sim.data.data_path` finds them), mapped here from
the top-level folders, so the repository keeps one copy of each file. A source checkout (``pip
install -e .``, what ``make setup`` does) has no such copy: ``data_path`` reads the top-level
folders directly. This lives in setup.py because pyproject.toml cannot add mapped folders to the
packages it finds.

Building a wheel from a git checkout also records the commit it was built from in
``sim/_build.json`` (read by :func:`sim.provenance.code_identity`), so results made with an
installed wheel name their commit too; without git the file is simply not written.
"""

import json
import subprocess
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parent
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


class BuildWithCommit(build_py):
    """``build_py`` that also writes the commit of the checkout into the built package."""

    def run(self):
        """Build the package, then write ``sim/_build.json`` (when git can say the commit)."""
        super().run()
        try:
            build = {
                "commit": _git("rev-parse", "HEAD"),
                "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            }
        except (OSError, subprocess.SubprocessError):
            return  # not a git checkout: the wheel's RECORD still identifies the build
        target = Path(self.build_lib) / "sim" / "_build.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(build), encoding="utf-8")


# Package inside the wheel -> top-level folder of the repository, and the files it ships.
SHIPPED_FOLDERS = {
    "sim.data.scenarios": ("scenarios", ["*.toml"]),
    "sim.data.targets": ("targets", ["*.toml"]),
    "sim.data.experiments": ("experiments", ["guidelines.toml", "costs.toml"]),
}

setup(
    cmdclass={"build_py": BuildWithCommit},
    packages=find_packages(include=["sim", "sim.*"]) + list(SHIPPED_FOLDERS),
    package_dir={package: folder for package, (folder, _) in SHIPPED_FOLDERS.items()},
    package_data={
        # the translations, read at run time (sim.ui.i18n)
        # and the shipped posterior of the calibration constants (sim.posterior())
        "sim.data": [
            "locale/*/LC_MESSAGES/*.po",
            "locale/*/LC_MESSAGES/*.mo",
            "posterior/*.csv",
            "posterior/*.json",
            # the passes compiled ahead and their argument types (sim.precompile)
            "precompile.json",
        ],
        # the app's style sheet, read by the page at run time
        "sim.ui.app": ["*.css"],
        # PEP 561: the package's annotations are for its users' type checkers too
        "sim": ["py.typed"],
        **{package: files for package, (_, files) in SHIPPED_FOLDERS.items()},
    },
)
