"""Which files the wheel ships; everything else about the package is in pyproject.toml.

The scenarios, the cases' targets and the experiment definitions live in folders at the top of
the repository, where a user finds, copies and edits them. The wheel carries the same files as
package data under ``sim/data/`` (where :func:`sim.data.data_path` finds them), mapped here from
the top-level folders, so the repository keeps one copy of each file. A source checkout (``pip
install -e .``, what ``make setup`` does) has no such copy: ``data_path`` reads the top-level
folders directly. This lives in setup.py because pyproject.toml cannot add mapped folders to the
packages it finds.
"""

from setuptools import find_packages, setup

# Package inside the wheel -> top-level folder of the repository, and the files it ships.
SHIPPED_FOLDERS = {
    "sim.data.scenarios": ("scenarios", ["*.toml"]),
    "sim.data.targets": ("targets", ["*.toml"]),
    "sim.data.experiments": ("experiments", ["guidelines.toml", "costs.toml"]),
}

setup(
    packages=find_packages(include=["sim", "sim.*"]) + list(SHIPPED_FOLDERS),
    package_dir={package: folder for package, (folder, _) in SHIPPED_FOLDERS.items()},
    package_data={
        # the translations, read at run time (sim.ui.i18n)
        "sim.data": ["locale/*/LC_MESSAGES/*.po", "locale/*/LC_MESSAGES/*.mo"],
        # the app's style sheet, read by the page at run time
        "sim.ui.app": ["*.css"],
        **{package: files for package, (_, files) in SHIPPED_FOLDERS.items()},
    },
)
