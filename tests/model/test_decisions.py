"""Unit tests of :mod:`sim.decisions`: the decision context and the valued options."""

from __future__ import annotations

import numpy as np


def test_a_context_builds_its_terms_once_and_again_when_a_field_changes(consts, small, valued):
    m = small()
    ctx, _ = valued(m)
    terms = ctx.terms(consts)
    assert ctx.terms(consts) is terms  # the month's valuation and upgrades share one bundle
    ctx.markup = ctx.markup + 0.2
    changed = ctx.terms(consts)
    assert changed is not terms and changed.markup is ctx.markup
    ctx.competition = 0.9
    assert ctx.terms(consts).competition == 0.9
    # The same arrays as a bundle built afresh, field by field.
    fresh = ctx._build_terms(consts)
    for name, a, b in zip(fresh._fields, ctx.terms(consts), fresh, strict=True):
        assert np.array_equal(a, b), name
