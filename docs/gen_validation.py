"""Write the results section of docs/validation.md from a finished validation.

``mse-sim validate all --seeds 20 --out DIR`` writes ``DIR/validation.csv`` and its provenance
sidecar. This script reads them and writes everything between ``<!-- BEGIN RESULTS -->`` and
``<!-- END RESULTS -->`` of docs/validation.md: the headline, the count against issue 21's goal,
the per-case summary, one table per kind of target and the list of observations where the model
and its source disagree, with numbers. The hand-written reading between
``<!-- BEGIN RESULTS READING -->`` and ``<!-- END RESULTS READING -->`` is kept as it is, so the
numbers are never typed by hand and a re-run after a change to the model rewrites all of them.
Usage::

    mse-sim validate all --seeds 20 --out out/validation
    python docs/gen_validation.py out/validation/validation.csv
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

import pandas as pd

from sim.io import read_provenance
from sim.ui.validation_report import format_bounds, format_value
from sim.validation import headline, summary_counts

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "validation.md"
SECTION = re.compile(r"<!-- BEGIN RESULTS -->.*?<!-- END RESULTS -->", re.S)
READING = re.compile(r"<!-- BEGIN RESULTS READING -->.*?<!-- END RESULTS READING -->", re.S)
DEFAULT_READING = (
    "<!-- BEGIN RESULTS READING -->\n(Write the reading of the results here.)\n"
    "<!-- END RESULTS READING -->"
)
#: The section goes before this heading when the page has none yet.
BEFORE = "<!-- BEGIN POWER -->"
#: Issue 21's goal: observations that discriminate, and the cases they cover.
GOAL_OBSERVATIONS = 20
GOAL_CASES = 7
KIND_TITLES = {
    "observation": "Observations",
    "direction": "Directions",
    "face": "Face checks",
}


def _flag(value) -> bool | None:
    """A ``discriminates`` or ``counts`` cell as read back from CSV: True, False or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return bool(value)


def _window(row: pd.Series) -> str:
    text = str(row["window"]).strip("()[] ")
    return text.replace(", ", "-").replace(",", "-")


def _what(row: pd.Series) -> str:
    stat = row["statistic"]
    against = f" vs {row['against']}" if stat in ("ratio", "difference") else ""
    return f"`{row['metric']}`, {stat}{against}, {_window(row)}"


def _model(row: pd.Series) -> str:
    def f(v):
        return format_value(v, row["metric"], row["statistic"])

    if row["status"] not in ("pass", "fail"):
        return str(row["status"])
    return f"{f(row['mean'])} [{f(row['ci_low'])}, {f(row['ci_high'])}]"


def _result(row: pd.Series) -> str:
    status = row["status"]
    if row["kind"] == "observation":
        return f"**{status}**" if _flag(row["counts"]) else f"{status} (not counted)"
    return status


def _placebos(row: pd.Series) -> str:
    if not row["placebo_n"] or _flag(row["discriminates"]) is None:
        return "no placebo run"
    return f"{int(row['placebo_pass'])} of {int(row['placebo_n'])}"


def _table(rows: pd.DataFrame) -> list[str]:
    lines = [
        "| case | target | metric, statistic, months | model mean [95% CI] | source interval "
        "| result | placebos passed | discriminates |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rows.iterrows():
        disc = {True: "yes", False: "no", None: "–"}[_flag(r["discriminates"])]
        lines.append(
            f"| {r['case']} | {r['id']} | {_what(r)} | {_model(r)} | {format_bounds(r)} | "
            f"{_result(r)} | {_placebos(r)} | {disc} |"
        )
    return lines


def _per_case(table: pd.DataFrame) -> list[str]:
    lines = [
        "| case | observations | observations: pass of counted | not counted (uninformative) "
        "| directions: pass | face checks: pass |",
        "|---|---|---|---|---|---|",
    ]
    for case, rows in table.groupby("case", sort=True):
        c = summary_counts(rows.assign(counts=rows["counts"].map(_flag).fillna(False)))
        lines.append(
            f"| {case} | {c['observations']} | {c['observations_pass']} of "
            f"{c['observations_counted']} | {c['observations_uninformative']} | "
            f"{c['directions_pass']} of {c['directions']} | {c['face_pass']} of {c['face']} |"
        )
    return lines


def _short_source(source: str) -> str:
    """The author and year of a source ("Carletto, Kirk, Winters & Davis (2007)")."""
    found = re.match(r"[^()]*\([^)]*\)", source)
    return found.group(0).strip() if found and len(found.group(0)) <= 100 else source[:60]


def _disagreements(table: pd.DataFrame) -> list[str]:
    """One line per observation the model fails: its number against the source's interval."""
    obs = table[(table["kind"] == "observation") & (table["status"] == "fail")]
    lines = []
    for counted in (True, False):
        rows = obs[obs["counts"].map(_flag).fillna(False) == counted]
        if rows.empty:
            continue
        lines.append(
            "Counted observations the model fails:"
            if counted
            else "Observations the model fails that are not counted (they do not discriminate):"
        )
        lines.append("")
        for _, r in rows.iterrows():
            lines.append(
                f"- **{r['case']}, {r['id']}** (`{r['metric']}`, months {_window(r)}): the model "
                f"gives {_model(r)} against {format_bounds(r)} ({_short_source(r['source'])})."
            )
        lines.append("")
    return lines


def section(table: pd.DataFrame, meta: dict, reading: str) -> str:
    """Return the results section for a validation table and its provenance."""
    table = table.copy()
    table["counts"] = table["counts"].map(_flag).fillna(False)
    c = summary_counts(table)
    counted = table[table["counts"]]
    cases = sorted(counted["case"].unique())
    seeds = meta.get("seeds", [])
    placebo = meta.get("placebo", {})
    code = meta.get("code", {})
    commit = code.get("commit", "")
    code_text = (f"`{commit[:12]}`" if commit else code.get("build", "unknown")) + (
        " (uncommitted changes)" if code.get("dirty") else ""
    )
    steps = sorted(set((meta.get("steps") or {}).values())) or ["?"]
    met = c["observations_counted"] >= GOAL_OBSERVATIONS and len(cases) >= GOAL_CASES
    observed_cases = table[table["kind"] == "observation"]["case"].nunique()
    lines = [
        "<!-- BEGIN RESULTS -->",
        "## Results",
        "",
        "<!-- Generated by docs/gen_validation.py from `mse-sim validate all --seeds 20 --out DIR`;"
        " edit only the reading. -->",
        "",
        "```bash",
        "mse-sim validate all --seeds 20 --out out/validation",
        "python docs/gen_validation.py out/validation/validation.csv",
        "```",
        "",
        f"Seeds {seeds[0] if seeds else '?'}-{seeds[-1] if seeds else '?'} ({len(seeds)}), "
        f"placebo seeds {len(placebo.get('seeds', []))}, runs of "
        f"{' or '.join(str(s) for s in steps)} months; target set hash "
        f"`{str(meta.get('targets_hash', ''))[:8]}…` "
        f"(versions {sorted({v['version'] for v in meta.get('targets', {}).values()})}); "
        f"mse-sim {meta.get('version', '?')}, code {code_text}, "
        f"computed {meta.get('created', '?')}.",
        "",
        f"**{headline(table)}**",
        "",
        f"Observations in all: {c['observations']}, in {observed_cases} cases. "
        f"Observations that discriminate (counted): {c['observations_counted']}, in "
        f"{len(cases)} cases ({', '.join(cases) or 'none'}). Issue 21's goal, at least "
        f"{GOAL_OBSERVATIONS} across at least {GOAL_CASES} cases, is "
        f"{'met' if met else 'not met'}.",
        "",
        *_per_case(table),
        "",
    ]
    for kind, title in KIND_TITLES.items():
        rows = table[table["kind"] == kind]
        if rows.empty:
            continue
        lines += [f"### {title}", "", *_table(rows), ""]
    lines += ["### Where the model and the sources disagree", ""]
    lines += _disagreements(table) or ["No observation fails.", ""]
    lines += [reading, "<!-- END RESULTS -->"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the results section of docs/validation.md from a validation table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="validation.csv written by `validate --out`")
    args = parser.parse_args(argv)
    if not args.table.is_file():
        print(f"error: '{args.table}' does not exist", file=sys.stderr)
        return 2
    table = pd.read_csv(args.table, keep_default_na=False, na_values=[""])
    for col in ("source", "against", "url", "note", "requires", "interval", "quote"):
        table[col] = table[col].astype(object).where(table[col].notna(), "")
    meta = read_provenance(args.table)
    old = PAGE.read_text(encoding="utf-8")
    found = READING.search(old)
    reading = found.group(0) if found else DEFAULT_READING
    new = section(table, meta, reading)
    if SECTION.search(old):
        text = SECTION.sub(lambda _: new, old)
    else:
        text = old.replace(BEFORE, f"{new}\n\n{BEFORE}", 1)
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
