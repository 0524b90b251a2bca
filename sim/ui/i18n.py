"""Languages of the app, the guideline report and the handouts: gettext catalogs and locale numbers.

The texts live in standard gettext catalogs, one per language, in
``sim/data/locale/<lang>/LC_MESSAGES/mse_sim.po`` (the sources translators edit) compiled to
``.mo`` files next to them (shipped as package data and read with the standard library's
:mod:`gettext`). Numbers, percentages, dollars and dates are written per locale by
:mod:`sim.ui.numbers`.

Besides the strings marked ``_("...")`` in ``sim/ui``, the catalogs hold the texts that live in
data: metric labels (:data:`sim.metrics.METRIC_INFO`), lever labels (:data:`sim.scenario.FIELDS`),
the guidelines (:data:`sim.experiments.GUIDELINES`: title, action, why and the paper's
paragraph), the groups of the who-gains study (:mod:`sim.who_gains`), the claims of the
cases' targets (``targets/``) and each scenario file's description and Info texts
(``scenarios/*.toml``, read by a Babel extractor, :func:`extract_scenario_toml`, so a
translator finds every text in one catalog). The paper's texts, and the Info texts that quote
it, are shown translated with a note saying so (:func:`translation_note`).

Maintainers (needs Babel, a dependency)::

    python -m sim.ui.i18n update    # extract strings, update every .po, compile the .mo files
    python -m sim.ui.i18n compile   # compile the .mo files only
    python -m sim.ui.i18n check     # exit 1 when a .po has untranslated or fuzzy entries
"""

from __future__ import annotations

import argparse
import functools
import gettext
import io
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from sim.data import data_path
from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.metrics import METRIC_INFO, metric_info
from sim.scenario import FIELDS, INFO_KEYS, LEVERS
from sim.validation.targets import list_target_cases, read_targets
from sim.who_gains import DISTANCE_GROUPS, PARTIES, WEALTH_GROUPS

#: The languages offered, by code, with their own names (what a language menu shows).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português"}
DEFAULT_LANGUAGE = "en"
DOMAIN = "mse_sim"


def locale_dir() -> Path:
    """Folder of the catalogs (``<lang>/LC_MESSAGES/mse_sim.po|.mo``)."""
    return data_path("locale")


def check_language(lang: str) -> str:
    """Return `lang` if offered.

    Raises:
        UserInputError: Not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise UserInputError(f"--lang {lang!r}: must be one of {', '.join(LANGUAGES)}")
    return lang


@functools.cache
def translation(lang: str = DEFAULT_LANGUAGE) -> gettext.NullTranslations:
    """Return the catalog of `lang` (English, the source language, needs none)."""
    check_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(locale_dir()), languages=[lang])


def gettext_for(lang: str = DEFAULT_LANGUAGE) -> Callable[[str], str]:
    """Return the ``_`` function of `lang`: English text in, translated text out."""
    return translation(lang).gettext


def ngettext_for(lang: str = DEFAULT_LANGUAGE) -> Callable[[str, str, int], str]:
    """Return the ``ngettext`` function of `lang`: the plural form its rules pick for a count.

    Call it as ``ngettext("{n} month", "{n} months", n).format(n=n)``; the catalogs hold every
    form the language has (Spanish, French and Portuguese have three in CLDR's rules).
    """
    return translation(lang).ngettext


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark `text` for the catalogs without translating it here."""
    return text


def metric_label(metric: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a metric's label in `lang`, lower case, to use in a sentence."""
    return gettext_for(lang)(metric_info(metric).label)


def metric_title(metric: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a metric's label in `lang` with a capital first letter (titles, legends)."""
    label = metric_label(metric, lang)
    return label[:1].upper() + label[1:]


def metric_unit(metric: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a metric's unit in `lang`."""
    unit = metric_info(metric).unit
    return gettext_for(lang)(unit) if unit else ""


def translation_note(lang: str) -> str:
    """Return the note shown under a translated paragraph of the paper (empty in English)."""
    if lang == DEFAULT_LANGUAGE:
        return ""
    _ = gettext_for(lang)
    return _(
        "Translated from the English original (Dunn, Sebstad, Batzdorff & Parsons 2006); "
        "the translation is ours."
    )


def scenario_translation_note(lang: str) -> str:
    """Return the note shown under a scenario's translated Info texts (empty in English)."""
    if lang == DEFAULT_LANGUAGE:
        return ""
    _ = gettext_for(lang)
    return _("Translated from the English original of the scenario file; the translation is ours.")


def data_messages() -> list[tuple[str, str]]:
    """Return the texts from data that the catalogs translate, as (text, where) pairs."""
    out: list[tuple[str, str]] = []
    for name, info in METRIC_INFO.items():
        out.append((info.label, f"sim.metrics.METRIC_INFO[{name}].label"))
        out.append((info.unit, f"sim.metrics.METRIC_INFO[{name}].unit"))
    for name in LEVERS:
        out.append((FIELDS[name].label, f"sim.scenario.FIELDS[{name}].label"))
    for direction in ("up", "down"):  # guidelines.toml [gN.expect] and the report's verdicts
        out.append((direction, "guidelines.toml [gN.expect]"))
    for gid, g in GUIDELINES.items():
        out.append((g.title, f"guidelines.toml [{gid}] title"))
        out.append((g.action, f"guidelines.toml [{gid}] action"))
        out.append((g.why, f"guidelines.toml [{gid}] why"))
        out.append((paper_text(g.seed_text), f"guidelines.toml [{gid}] seed_text"))
    # who gains (sim.who_gains): the groups of MSEs and the parties of the margin split
    for group in ("included", "excluded", *DISTANCE_GROUPS, *WEALTH_GROUPS, *PARTIES):
        out.append((group, "sim.who_gains groups"))
    for name in list_target_cases():  # the report says which of a case's targets its runs meet
        for target in read_targets(name).targets:
            out.append((target.claim, f"targets/{name}.toml [{target.id}] claim"))
            if target.requires:
                out.append((target.requires, f"targets/{name}.toml [{target.id}] requires"))
    return out


def extract_scenario_toml(fileobj, keywords, comment_tags, options):
    """A Babel extraction method for scenario files: the description and the Info texts.

    Yields ``(lineno, funcname, message, comments)`` as Babel's extractors do; each text is
    put on one line (:func:`paper_text`), the key the app, report and handouts look up.
    """
    raw = fileobj.read().decode("utf-8")
    data = tomllib.loads(raw)
    lines = raw.splitlines()

    def line_of(key: str) -> int:
        return next(
            (i + 1 for i, line in enumerate(lines) if line.lstrip().startswith(f"{key} =")), 0
        )

    name = data.get("name", "")
    if name:  # the scenario's title in menus, made from its name
        yield line_of("name"), None, _title_of(name), [f"scenario {name}: title (from its name)"]
    texts = [("description", data.get("description", ""))]
    texts += [(key, data.get("info", {}).get(key, "")) for key in INFO_KEYS]
    for key, text in texts:
        if str(text).strip():
            yield line_of(key), None, paper_text(str(text)), [f"scenario {name}: {key}"]


def scenario_messages() -> list[tuple[str, str]]:
    """Return every scenario file's description and Info texts as (text, where) pairs."""
    from babel.messages.extract import extract_from_dir

    return [
        (message, f"scenarios/{filename}:{lineno}")
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(data_path("scenarios")), method_map=[("*.toml", extract_scenario_toml)]
        )
    ]


def _title_of(name: str) -> str:
    words = name.replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def scenario_title(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A scenario's title in `lang`: ``kenya-avocados`` -> "Kenya avocados", "Aguacates de Kenia".

    A scenario file outside the catalogs (a user's own) gets its name in words.
    """
    return gettext_for(lang)(_title_of(name))


def scenario_text(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a scenario's description or Info text in `lang` (on one line)."""
    return gettext_for(lang)(paper_text(text)) if text.strip() else ""


def paper_text(text: str) -> str:
    """Return a paragraph of the paper on one line (the catalog key of its translation)."""
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# Catalog maintenance (Babel)
# --------------------------------------------------------------------------------------------


def _template():
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="mse-upgrading", charset="utf-8")
    ui = Path(__file__).resolve().parent
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(ui),
        method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None, "ngettext": (1, 2)},
    ):
        catalog.add(message, locations=[(f"sim/ui/{filename}", lineno)], auto_comments=comments)
    for text, where in data_messages():
        if text:
            catalog.add(text, locations=[(where, 0)])
    # the scenarios' description and Info texts, by a Babel extraction method of our own
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(data_path("scenarios")), method_map=[("*.toml", extract_scenario_toml)]
    ):
        catalog.add(message, locations=[(f"scenarios/{filename}", lineno)], auto_comments=comments)
    return catalog


def _catalog_paths(langs: Iterable[str]) -> list[tuple[str, Path]]:
    return [
        (lang, locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po")
        for lang in langs
        if lang != DEFAULT_LANGUAGE
    ]


def update_catalogs() -> None:
    """Extract the messages, update each language's .po (keeping translations), compile."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = _template()
    for lang, po in _catalog_paths(LANGUAGES):
        if po.exists():
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="mse-upgrading", charset="utf-8")
        catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
        po.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(
            buf, catalog, width=100, omit_header=False, ignore_obsolete=True, sort_output=False
        )
        po.write_bytes(buf.getvalue())
    compile_catalogs()


def compile_catalogs() -> None:
    """Compile each .po into the .mo file the app reads."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang, po in _catalog_paths(LANGUAGES):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        po.with_suffix(".mo").write_bytes(buf.getvalue())
    translation.cache_clear()


def missing_translations() -> dict[str, list[str]]:
    """Return, per language, the messages of the template with no (or a fuzzy) translation."""
    from babel.messages.pofile import read_po

    template = _template()
    out: dict[str, list[str]] = {}
    for lang, po in _catalog_paths(LANGUAGES):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        gaps = []
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id)
            # a plural message's translation is a tuple of forms: each must be filled
            forms = (
                ()
                if found is None
                else (found.string if isinstance(found.string, tuple) else (found.string,))
            )
            if found is None or not all(forms) or found.fuzzy:
                gaps.append(str(message.id[0] if isinstance(message.id, tuple) else message.id))
        out[lang] = gaps
    return out


def main(argv: list[str] | None = None) -> int:
    """Maintain the catalogs: ``update``, ``compile`` or ``check``."""
    parser = argparse.ArgumentParser(prog="python -m sim.ui.i18n", description=__doc__)
    parser.add_argument("action", choices=("update", "compile", "check"))
    args = parser.parse_args(argv)
    if args.action == "update":
        update_catalogs()
    elif args.action == "compile":
        compile_catalogs()
    gaps = missing_translations()
    for lang, missing in gaps.items():
        print(f"{lang}: {len(missing)} untranslated")
    return 1 if args.action == "check" and any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
