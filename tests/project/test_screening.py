"""The Morris screening of the constants (issue 13, item 6): its spec, its page, its noise floor.

- the spec screens at least 20 calibration constants, each over its default ± 50% inside its
  allowed range (so a changed default cannot leave the screening around an old value);
- docs/screening.md was made from the spec as it is now (fingerprint), names exactly its
  constants and has a written reading;
- the noise floor (the μ* of a dummy factor) is what theory gives for pure noise.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.constants import REGISTRY
from sim.scenario import FIELDS
from sim.sweeps.spec import read_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "experiments" / "sweeps" / "morris-constants.toml"
PAGE = ROOT / "docs" / "screening.md"


def _default(name: str) -> float:
    base, _, element = name.partition(".")
    c = REGISTRY[base]
    return c.default[c.labels.index(element)] if element else c.default


def test_spec_screens_at_least_twenty_constants_over_default_plus_minus_half():
    spec = read_spec(SPEC)
    names = [p.name for p in spec.parameters]
    assert spec.method == "morris"
    assert len(names) >= 20
    for p in spec.parameters:
        base = p.name.partition(".")[0]
        assert base in REGISTRY and base not in FIELDS, f"{p.name} is not a constant"
        c, d = REGISTRY[base], _default(p.name)
        assert p.low == pytest.approx(max(c.low, 0.5 * d)), p.name
        assert p.high == pytest.approx(min(c.high, 1.5 * d)), p.name


def test_screening_page_was_made_from_this_spec_and_names_its_constants():
    text = PAGE.read_text(encoding="utf-8")
    spec = read_spec(SPEC)
    assert f"spec fingerprint `{spec.fingerprint()}`" in text, (
        "docs/screening.md is from another version of the spec: rerun the sweep and "
        "python docs/gen_screening.py"
    )
    table = text.split("## μ* for every output", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `([\w.]+)` \|", table, re.M))
    assert rows == {p.name for p in spec.parameters}
    reading = re.search(r"<!-- BEGIN READING -->(.*?)<!-- END READING -->", text, re.S)
    assert reading and "Write the reading" not in reading.group(1)
    assert len(reading.group(1).split()) > 100


def test_noise_floor_is_the_mu_star_of_a_dummy_factor_under_pure_noise(script):
    gen = script("docs/gen_screening.py")
    rng = np.random.default_rng(0)
    n_params, trajectories, replicates, sigma = 4, 4000, 6, 1.0
    points = trajectories * (n_params + 1)
    runs = pd.DataFrame(
        {
            "point_id": np.repeat(np.arange(points), replicates),
            "replicate": np.tile(np.arange(replicates), points),
            "y": rng.normal(0.0, sigma, points * replicates),
        }
    )
    spec = {"replicates": replicates, "levels": 4, "parameters": dict.fromkeys("abcd")}
    floor = gen.noise_floor(runs, "y", spec)
    # Two independent point means differ by N(0, 2 sigma^2 / R); E|.| = 2 sigma / sqrt(pi R).
    delta = 4 / (2 * 3)
    expected = 2 * sigma / math.sqrt(math.pi * replicates) / delta
    assert floor == pytest.approx(expected, rel=0.03)
    # And it measures noise, not the outputs' level or trend across the design.
    runs["y"] += np.repeat(np.arange(points) * 0.1, replicates)
    assert gen.noise_floor(runs, "y", spec) == pytest.approx(floor)
