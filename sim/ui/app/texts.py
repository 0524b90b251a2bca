"""The page's words: a scenario's Info texts, messages about fields and links, speed names.

Every text goes through the catalogs (:mod:`sim.ui.i18n`), so the room reads it in its language.
"""

from __future__ import annotations

import html

from sim.errors import UserInputError
from sim.scenario import read_scenario_file
from sim.ui.app.address import PageState
from sim.ui.app.session import FieldProblem
from sim.ui.i18n import N_, gettext_for, scenario_text, scenario_translation_note
from sim.ui.numbers import format_number


def scenario_info(name: str) -> dict[str, str]:
    """Return a scenario's description and Info texts (empty when it cannot be read)."""
    try:
        sf = read_scenario_file(name)
    except UserInputError:
        return {}
    return {"description": sf.description, **{k: " ".join(v.split()) for k, v in sf.info.items()}}


#: The scenario's Info texts the settings panel offers, folded, with their headings.
#: Two folds: what to notice, and the rest of the Info under its own small headings.
INFO_SECTIONS = (
    (N_("What to notice"), (("things_to_notice", None),)),
    (
        N_("About this scenario"),
        (
            ("what_it_is", None),
            ("how_it_works", N_("How it works in the model")),
            ("things_to_try", N_("Things to try")),
        ),
    ),
)


def info_html(info: dict[str, str], parts, lang: str) -> str:
    """Return Info texts of a scenario as HTML in `lang`, each under its heading if it has one."""
    _ = gettext_for(lang)
    out = []
    for key, heading in parts:
        if info.get(key):
            style = "mse-notice" if key == "things_to_notice" else "mse-help"
            out.append(
                (f"<b>{html.escape(_(heading))}</b>" if heading else "")
                + f'<div class="{style} mse-info-{key}">'
                + html.escape(scenario_text(info[key], lang))
                + "</div>"
            )
    note = scenario_translation_note(lang)
    if out and note:
        out.append(f'<div class="mse-translation-note">{html.escape(note)}</div>')
    return "".join(out)


def field_message(problem: FieldProblem, using: str, lang: str) -> str:
    """Say what was wrong with a number field and what the app still uses."""
    _ = gettext_for(lang)
    low, high = format_number(problem.low, 0, lang=lang), format_number(problem.high, 0, lang=lang)
    if problem.kind == "not_whole":
        what = _("“{text}” is not a whole number.").format(text=problem.text)
    elif problem.kind == "too_small":
        what = _("“{text}” is too small: the smallest allowed is {low}.").format(
            text=problem.text, low=low
        )
    else:
        what = _("“{text}” is too large: the largest allowed is {high}.").format(
            text=problem.text, high=high
        )
    return f"{what} {_('Still using {value}.').format(value=using)}"


def address_problems(state: PageState, lang: str) -> str:
    """Say which values of the page's address could not be used (empty when all could)."""
    if not state.problems:
        return ""
    _ = gettext_for(lang)
    return _("This link's {items} could not be used; the scenario's values are shown.").format(
        items=_(", ").join(f"{key}={value}" for key, value in state.problems)
    )


#: The speeds' names on the buttons.
SPEED_NAMES = {"slow": N_("Slow"), "normal": N_("Normal"), "fast": N_("Fast")}
