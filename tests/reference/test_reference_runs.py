"""Three 120-month reference runs are identical to the bit to their stored fingerprints.

A refactoring (a new layout, kernels taking named bundles) must leave every result as it was.
A change meant to move the model's numbers rewrites ``tests/data/reference_runs.json`` with
``python benchmarks/reference_runs.py --write`` in the same commit and says why.

The file holds fingerprints that do not depend on the machine (the model computes the same
bits on every CPU: tests/reference/test_cpu_independence.py) and the library versions that
made them. On other versions a difference is reported with the versions, not as two hashes.
"""

import pytest


def test_reference_runs_are_unchanged(reference_runs):
    module = reference_runs
    message = module.difference(module.stored(), module.fingerprints())
    if message:
        pytest.fail(message, pytrace=False)


def test_a_difference_names_the_versions_when_they_differ(reference_runs):
    module = reference_runs
    runs = {"baseline": "a" * 64, "levers-high": "b" * 64}
    now = module.library_versions()
    reference = {"versions": now, "fingerprints": runs}
    older = {"versions": {**now, "numpy": "1.0.0"}, "fingerprints": runs}
    moved = {**runs, "levers-high": "c" * 64}
    message = module.difference(older, moved)
    assert "(levers-high)" in message and f"numpy 1.0.0 (now {now['numpy']})" in message
    assert "other library versions" in message and "numba" not in message
    same = module.difference(reference, moved)
    assert "same versions" in same and f"numpy {now['numpy']}" in same
    assert module.difference(older, dict(runs)) == ""


def test_reference_runs_name_the_minor_version_they_belong_to(reference_runs):
    # Results-changing means a new minor version (CHANGELOG.md): the stored numbers belong to
    # the installed version's minor series.
    import sim

    module = reference_runs
    stored = module.stored()
    assert module.minor(stored[module.VERSION_KEY]) == module.minor(sim.__version__)


def test_writing_refuses_new_numbers_under_a_released_minor_version(reference_runs):
    module = reference_runs
    old = {module.VERSION_KEY: "0.2.0", "fingerprints": {"baseline": "aa"}}
    moved, same = {"baseline": "bb"}, {"baseline": "aa"}
    changelog = "## [Unreleased]\n\n## [0.2.0] - 2026-12-06\n"
    # 0.2.0 is released: moved numbers under 0.2.x are refused, with the version to raise to.
    why = module.refusal(old, moved, "0.2.1", changelog)
    assert "0.3.0" in why and "released" in why
    # The same numbers, a new minor version, or a version not yet released: allowed.
    assert module.refusal(old, same, "0.2.1", changelog) == ""
    assert module.refusal(old, moved, "0.3.0", changelog) == ""
    assert module.refusal(old, moved, "0.2.0", "## [Unreleased]\n") == ""
