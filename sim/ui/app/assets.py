"""Front-end files for the browser app, installed from npm so the app works with no CDN.

Solara's page loads its front end (the Vuetify app bundle, require.js, font-awesome and, for
SolaraViz's draggable grid, vue-grid-layout) through its own CDN proxy at
``/_solara/cdn/<npm-package>@<version>/<path>``. The proxy serves files from a cache folder,
``<sys.prefix>/share/solara/cdn/`` by default, and fetches a missing file from a public CDN.
On a machine that reaches only the package registries (CI, a workshop laptop offline) that
fetch fails and the page stays blank.

Each of those files is part of an ordinary npm package, so :func:`ensure_assets` fills the cache
with ``npm pack <package>@<version>`` and unpacks the tarball's ``package/`` folder there. The
versions are read from the installed solara (its page template and grid component) so that an
upgrade of solara asks for the versions it really requests; :data:`FALLBACK_PACKAGES` is used
only for what cannot be found that way.

Run it once after installing the ``app`` extra::

    python -m sim.ui.app.assets          # install what is missing, then list the cache
    python -m sim.ui.app.assets --check  # exit 2 and list what is missing, install nothing
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from sim.errors import UserInputError

#: Packages known to be enough for solara 1.64.1 with its Vue 2 front end (``ipyvue<2``). Used
#: only when the installed solara's sources do not name a package (layout changed, file moved).
FALLBACK_PACKAGES: tuple[tuple[str, str], ...] = (
    ("@widgetti/solara-vuetify-app", "10.1.1"),
    ("requirejs", "2.3.6"),
    ("font-awesome", "4.5.0"),
    ("@widgetti/vue-grid-layout", "2.3.13-alpha.2"),
)

# Matches ``{{cdn}}/<pkg>@<ver>/`` in solara's Jinja template and ``${this.getCdn()}/<pkg>@<ver>/``
# in its Vue components; a package name may carry an npm scope (``@widgetti/...``).
_CDN_REF = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|\$\{this\.getCdn\(\)\})/"
    r"(?P<name>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>\d+\.\d+\.\d+(?:-[\w.]+)?)/"
)
# ``/font-awesome@4.5.0/css/...`` in solara's settings (no ``{{cdn}}`` prefix there).
_SETTINGS_REF = re.compile(r"^/?(?P<name>(?:@[\w.-]+/)?[\w.-]+)@(?P<version>[\w.+-]+)/")

# The file written after a package is unpacked completely: the proxy may already have cached a
# few single files of a package (from a run with network), which must not count as complete.
_MARKER = ".mse-sim-unpacked"


class AssetError(UserInputError):
    """The front-end files could not be installed (no npm, no registry, bad tarball)."""


def _solara_dir() -> Path:
    import solara

    return Path(solara.__file__).resolve().parent


def uses_vue3() -> bool:
    """Return True when solara will serve its Vue 3 front end (ipyvue 3 is installed).

    SolaraViz's draggable grid ships a Vue 2 build of vue-grid-layout, so with ipyvue 3 the
    controls render but the plots never do; the ``app`` extra pins ``ipyvue<2``.
    """
    import ipyvue

    return str(ipyvue.__version__).startswith("3")


def cache_dir() -> Path:
    """Return the folder solara's CDN proxy serves from (``SOLARA_ASSETS_PROXY_CACHE_DIR``)."""
    try:
        from solara.server import settings

        return Path(settings.assets.proxy_cache_dir)
    except Exception:  # solara moved its settings: use its documented default
        return Path(sys.prefix) / "share" / "solara" / "cdn"


def _refs(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    return [(m["name"], m["version"]) for m in pattern.finditer(text)]


def required_packages() -> list[tuple[str, str]]:
    """Return the npm packages (name, version) the installed solara loads through its proxy.

    Read from solara's page template (app bundle, require.js), its grid component (the one
    matching the Vue major version in use) and its font-awesome setting. The Vue 3 app bundle
    is skipped under Vue 2 and vice versa, because the template names both.
    """
    root = _solara_dir()
    vue3 = uses_vue3()
    found: list[tuple[str, str]] = []
    sources = [
        root / "server" / "templates" / "solara.html.j2",
        root / "widgets" / "vue" / ("gridlayout_v3.vue" if vue3 else "gridlayout.vue"),
    ]
    for source in sources:
        try:
            found += _refs(source.read_text(encoding="utf-8"), _CDN_REF)
        except OSError:
            continue
    try:
        from solara.server import settings

        found += _refs(settings.assets.fontawesome_path, _SETTINGS_REF)
    except Exception:  # setting renamed: the fallback list below still names font-awesome
        pass
    skip = "@widgetti/solara-vuetify-app" if vue3 else "@widgetti/solara-vuetify3-app"
    found = [p for p in found if p[0] != skip]
    names = {name for name, _ in found}
    # Anything solara's sources did not name (e.g. a file moved in a new release) comes from the
    # explicit list; a version found in the sources always wins over the fallback's.
    for name, version in FALLBACK_PACKAGES:
        if name not in names and not (vue3 and name == "@widgetti/solara-vuetify-app"):
            found.append((name, version))
    return list(dict.fromkeys(found))


def package_dir(name: str, version: str, root: Path | None = None) -> Path:
    """Return the cache folder of one package, e.g. ``.../cdn/requirejs@2.3.6``."""
    return (root or cache_dir()) / f"{name}@{version}"


def missing_packages(
    packages: Iterable[tuple[str, str]] | None = None, root: Path | None = None
) -> list[tuple[str, str]]:
    """Return the packages not yet completely unpacked into the cache."""
    packages = required_packages() if packages is None else packages
    return [p for p in packages if not (package_dir(*p, root) / _MARKER).is_file()]


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(
            "npm was not found, and the app's front-end files must come from the npm registry "
            "on a machine without a CDN. Install Node.js with npm (Debian: apt-get install "
            "npm), then run: python -m sim.ui.app.assets"
        )
    return npm


def _fetch(name: str, version: str, target: Path, npm: str) -> None:
    with tempfile.TemporaryDirectory(prefix="mse-sim-npm-") as tmp:
        tmp_path = Path(tmp)
        try:
            proc = subprocess.run(
                [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AssetError(f"npm pack {name}@{version} took more than 5 minutes") from None
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise AssetError(f"npm pack {name}@{version} failed:\n{tail}")
        try:
            filename = json.loads(proc.stdout)[0]["filename"]
        except (ValueError, LookupError, TypeError):
            tarballs = list(tmp_path.glob("*.tgz"))
            if len(tarballs) != 1:
                raise AssetError(f"npm pack {name}@{version} wrote no tarball") from None
            filename = tarballs[0].name
        unpacked = tmp_path / "unpacked"
        with tarfile.open(tmp_path / Path(filename).name) as tar:
            # the "data" filter refuses absolute paths, links out of the folder and devices
            tar.extractall(unpacked, filter="data")
        source = unpacked / "package"
        if not source.is_dir():  # a few old tarballs use another top folder name
            dirs = [d for d in unpacked.iterdir() if d.is_dir()]
            if len(dirs) != 1:
                raise AssetError(f"npm pack {name}@{version}: unexpected tarball layout")
            source = dirs[0]
        # merge rather than replace: the proxy may be serving files from this folder right now
        shutil.copytree(source, target, dirs_exist_ok=True)
        (target / _MARKER).write_text(f"{name}@{version}\n", encoding="utf-8")


def ensure_assets(
    root: Path | None = None,
    packages: Sequence[tuple[str, str]] | None = None,
    *,
    log=print,
) -> list[str]:
    """Make sure solara's CDN cache holds every front-end package the app needs.

    Idempotent: packages already unpacked are left alone, so this is cheap to call at every app
    start. Only the npm registry is contacted, and only for missing packages.

    Args:
        root: Cache folder; defaults to the one solara's proxy serves (:func:`cache_dir`).
        packages: (name, version) pairs; defaults to :func:`required_packages`.
        log: Called with one line per package fetched (``None`` for silence).

    Returns:
        The ``name@version`` of each package that was fetched (empty when all were present).

    Raises:
        AssetError: npm is missing, or a package could not be fetched or unpacked.
    """
    root = root or cache_dir()
    todo = missing_packages(packages, root)
    if not todo:
        return []
    npm = _npm()
    root.mkdir(parents=True, exist_ok=True)
    done = []
    for name, version in todo:
        if log:
            log(f"fetching {name}@{version} from the npm registry")
        _fetch(name, version, package_dir(name, version, root), npm)
        done.append(f"{name}@{version}")
    return done


def main(argv: Sequence[str] | None = None) -> int:
    """Install (or with ``--check`` only list) the app's front-end files; return an exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.ui.app.assets",
        description="Install the browser app's front-end files into solara's CDN cache "
        "from the npm registry (for machines with no CDN).",
    )
    parser.add_argument(
        "--check", action="store_true", help="only report missing packages (exit 2 if any)"
    )
    args = parser.parse_args(argv)
    root = cache_dir()
    try:
        if uses_vue3():
            print(
                "warning: ipyvue 3 is installed; SolaraViz's plots need ipyvue<2 and "
                "ipyvuetify<2 (pip install 'mse-upgrading[app]')",
                file=sys.stderr,
            )
        if args.check:
            missing = missing_packages(root=root)
            for name, version in missing:
                print(f"missing {name}@{version}")
            if missing:
                print(f"run: python -m sim.ui.app.assets  (cache: {root})")
                return 2
        else:
            ensure_assets(root)
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, version in required_packages():
        print(f"ok {name}@{version}  ({package_dir(name, version, root)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
