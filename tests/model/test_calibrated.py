"""The shipped posterior of the calibration constants: sim.posterior() and run --draw K."""

from __future__ import annotations

import pytest

import sim
from sim.constants import is_constant
from sim.ui.cli import main


def test_posterior_has_the_draws_and_their_provenance():
    draws = sim.posterior()
    assert len(draws) >= 200 and draws.shape[1] >= 10
    assert all(is_constant(c) for c in draws.columns)
    a = draws.attrs
    for key in ("targets_hash", "targets_versions", "model_version", "settings", "evaluations"):
        assert a[key], key
    assert a["code"]["commit"]
    assert sum(a["weights"]) == pytest.approx(1.0) and len(a["weights"]) == len(draws)
    for name, (low, high) in a["settings"]["priors"].items():
        assert draws[name].between(low, high).all(), name


def test_a_scenario_runs_at_a_posterior_draw(capsys):
    assert main(["run", "baseline", "--steps", "2", "--set", "n_mse=50", "--draw", "3"]) == 0
    assert main(["run", "baseline", "--steps", "2", "--draw", "100000"]) == 2
    err = capsys.readouterr().err
    assert "--draw" in err and "100000" in err and "allowed" in err


def test_a_posterior_fitted_to_another_minor_version_says_so(monkeypatch):
    import sim.calibrated as calibrated

    fitted = sim.posterior().attrs["model_version"]
    monkeypatch.setattr(calibrated, "__version__", fitted)
    assert calibrated.fitted_to_another_model() == ""
    major, minor = (int(p) for p in fitted.split(".")[:2])
    monkeypatch.setattr(calibrated, "__version__", f"{major}.{minor + 1}.0")
    note = calibrated.fitted_to_another_model()
    assert fitted in note and "calibrate --pooled" in note
