"""Sphinx configuration of the documentation site (``make docs`` builds it into ``site/``).

Why Sphinx with the PyData theme (and not MkDocs with Material), in short (the page
``about/this-site.md`` says it at more length):

* the docstrings are reStructuredText inside Google-style sections (``:func:``, ``:class:``,
  ``:data:`` roles, about 230 of them): Sphinx's autodoc and napoleon read them as written and
  resolve every role into a link, and nitpicky mode fails the build on one that points nowhere;
* Mesa, SALib, EMA Workbench and pyABC, the tools our users already read, are documented with
  Sphinx, most with this theme: the site looks and reads like theirs;
* Material for MkDocs announces its own end of life (May 2027) and MkDocs 1.6 has had no release
  since 2024; Sphinx, the PyData theme, MyST and MyST-NB are released several times a year.

The Markdown pages stay plain Markdown (MyST), readable on a code host as they are. Notebooks
are executed by MyST-NB when the site is built, so their outputs always come from the current
model; executed copies are cached under ``.docs-cache/`` keyed by a hash of the package's
sources and data, so a second build of the same code executes nothing.

Offline: no intersphinx (it would download inventories), no web fonts (the theme ships its
own), no analytics; the build reads only this checkout.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from pathlib import Path

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the checkout's sim, whether or not it was installed

import sim  # noqa: E402  (after the path is set)

logger = logging.getLogger(__name__)
_MISSING = object()

project = "mse-sim"
author = "mse-sim contributors"
copyright = "mse-sim contributors, MIT licence"  # noqa: A001  (Sphinx's setting name)
release = sim.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",  # Markdown pages (MyST) and notebooks, executed at build time
    "sphinx.ext.autodoc",  # the API reference from the docstrings
    "sphinx.ext.autosummary",  # one page per public name, and tables of them
    "sphinx.ext.napoleon",  # Google-style Args/Returns/Raises/Examples sections
    "sphinx.ext.mathjax",  # the ODD's formulas
    "sphinxarg.ext",  # the mse-sim command's reference, from its argparse parser
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "gen_*.py"]
# .rst first: autosummary writes its generated pages in reStructuredText
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
templates_path = ["_templates"]
root_doc = "index"

# -- strict: a broken link or a reference to nothing fails the build (sphinx-build -W -n) -------
nitpicky = True
# Names of other packages' objects appear in signatures and docstrings; without intersphinx
# (offline) they cannot resolve, so they are ignored by package. Our own (sim.*) never are.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(numpy|np|pandas|pd|mesa|matplotlib|pyarrow|dask|distributed|scipy|SALib|"
        r"pymoo|pyabc|ema_workbench|collections|typing|os|pathlib|datetime|argparse|"
        r"concurrent|numba|enum|dataclasses|types|abc|io|tqdm)(\..*)?",
    ),
    # builtins and typing names that autodoc writes without a module
    (
        r"py:.*",
        r"(int|float|str|bool|bytes|dict|list|tuple|set|frozenset|object|type|None|"
        r"Any|Callable|Iterable|Iterator|Mapping|MutableMapping|Sequence|Path|PathLike|"
        r"Generator|ndarray|DataFrame|Series|Figure|Model|Agent|AgentSet|Scenario|"
        r"Client|Executor|Literal|Self|ClassVar|NamedTuple|callable|optional|"
        r"array-like|Exception|ValueError|KeyError|ImportError|TypeError|"
        r"RuntimeError|OSError|FileNotFoundError|NotImplementedError)",
    ),
    # numpy-style types inside docstrings' prose (``float array``, ``(n,) bool``)
    (r"py:class", r".*\b(array|arrays|of|or|optional|default)\b.*"),
    # napoleon reads a property's opening "Words: more words" as a type; no type has a space
    (r"py:class", r".* .*"),
    # ... and the second name of an "a, b: what they are" line as a type
    (r"py:class", r"[a-z_]+"),
]

# -- MyST (Markdown) -----------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist", "substitution"]
myst_substitutions = {"release": release}
myst_heading_anchors = 3  # links like [Table 2](#table-2-calibration-constants)
suppress_warnings = ["myst.header"]  # pages start at "#", sections may skip a level

# -- notebooks (MyST-NB) -------------------------------------------------------------------------
#: Folders whose files a notebook's outputs depend on: the package and its data (the top-level
#: data folders, where the layout has them, included).
_SOURCES = ("sim", "scenarios", "experiments", "targets")


def _sources_hash() -> str:
    """A hash of everything a notebook's outputs depend on: the package and its data."""
    h = hashlib.sha256()
    for folder in _SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".toml", ".po"}:
                h.update(path.relative_to(ROOT).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _copy_notebooks() -> None:
    """Copy ``notebooks/*.ipynb`` into ``docs/notebooks/`` (git-ignored), where Sphinx reads them.

    Sphinx reads only files under ``docs/``; a symbolic link would do for the navigation but
    MyST resolves it when checking links. Unchanged files are not rewritten, so a rebuild
    reads only what changed.
    """
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    sources = {p.name: p for p in (ROOT / "notebooks").glob("*.ipynb")}
    for stale in target.glob("*.ipynb"):
        if stale.name not in sources:
            stale.unlink()
    for name, source in sources.items():
        copy = target / name
        data = source.read_bytes()
        if not copy.exists() or copy.read_bytes() != data:
            copy.write_bytes(data)


_copy_notebooks()

#: Pages link to a notebook where it sits in the repository (``../notebooks/x.ipynb`` from
#: ``docs/``), so the link also works on a code host; on the site it is ``docs/notebooks/``.
_NOTEBOOK_LINK = re.compile(r"\]\(((?:\.\./)+)notebooks/([\w.-]+\.ipynb)")


def _notebook_links(app, docname: str, source: list[str]) -> None:
    depth = docname.count("/")  # folders between docs/ and the page

    def local(m: re.Match) -> str:
        ups = m.group(1).count("../")
        if ups != depth + 1:  # not a link to the repository's notebooks/ folder
            return m.group(0)
        return f"]({'../' * depth}notebooks/{m.group(2)}"

    source[0] = _NOTEBOOK_LINK.sub(local, source[0])


def _data_docstring(app, what: str, name: str, obj, options, lines: list[str]) -> None:
    """Give a re-exported constant the ``#:`` comment of the module that defines it.

    ``sim.FIELDS`` is defined in ``sim.scenario``; autodoc looks for its ``#:`` comment in
    ``sim/__init__.py`` and, finding none, would show the docstring of ``dict``. A public
    constant without such a comment anywhere fails the build.
    """
    if what != "data":
        return
    own = getattr(type(obj), "__doc__", None)
    if lines and "\n".join(lines).strip() != (own or "").strip():
        return
    attr = name.rsplit(".", 1)[-1]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("sim") or getattr(module, attr, _MISSING) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except PycodeError:
            continue
        if ("", attr) in docs:
            lines[:] = list(docs[("", attr)])
            return
    logger.warning("public constant %s has no #: comment where it is defined", name)
    lines[:] = []


def _exists(dotted: str) -> bool:
    """Whether ``dotted`` names a module or an attribute of one in the package."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


def _internal_reference(app, env, node, contnode):
    """Show a reference to an existing but undocumented name of the package as code.

    The reference lists the public names; the docstrings also point at the modules and
    helpers behind them (``:func:`sim.upgrades.upgrade_succeeds```). Those render as code
    without a link. A reference that names nothing in the package stays unresolved, and
    ``-n -W`` fails the build on it.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    module, cls = node.get("py:module") or "", node.get("py:class") or ""
    candidates = [target] if target.startswith("sim") else []
    if module:
        candidates += [f"{module}.{cls}.{target}" if cls else "", f"{module}.{target}"]
    if any(c and _exists(c) for c in candidates):
        return contnode
    # a name used in the module that defines it (``:data:`COLUMNS``` in sim.costs.gains)
    if "." not in target and any(
        name.startswith("sim") and hasattr(mod, target) for name, mod in list(sys.modules.items())
    ):
        return contnode
    return None


def _has_example(app, what: str, name: str, obj, options, lines: list[str]) -> None:
    """Fail the build on a public function or class documented without an example."""
    if what in ("function", "class") and not any(
        line.strip() in ("Examples:", "Example:") for line in lines
    ):
        logger.warning("%s is documented without an 'Examples:' section", name)


def setup(app) -> None:
    """Connect the notebook links, the docstring checks and the internal references."""
    app.connect("source-read", _notebook_links)
    app.connect("missing-reference", _internal_reference)
    # before napoleon (priority 500) turns the sections into reStructuredText
    app.connect("autodoc-process-docstring", _has_example, priority=350)
    app.connect("autodoc-process-docstring", _data_docstring, priority=400)


nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / ".docs-cache" / "notebooks" / _sources_hash())
nb_execution_timeout = 600
nb_execution_raise_on_error = True  # a notebook that fails fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# -- API reference -------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = False  # Mesa's own docstrings are Mesa's, not ours
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # a dataclass's "Attributes:" as fields, not a second entry per field
napoleon_custom_sections = [("Example", "examples_style")]
add_module_names = False

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"mse-sim {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
html_last_updated_fmt = None
