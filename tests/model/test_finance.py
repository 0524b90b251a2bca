"""Unit tests of :mod:`sim.finance`: credit, household budgets, distress and exit.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    finance,
    services,
    upgrades,
    valuation,
)
from sim.detmath import sum_in_order
from sim.population import PRODUCT


def test_credit_line_grows_with_access_and_shrinks_with_debt_and_exclusion(consts, small):
    m = small()
    pop = m.population
    zero = np.zeros(pop.n)
    assert np.all(finance.credit_limit(pop, 0.0, zero, consts=consts) == 0)
    full = finance.credit_limit(pop, 1.0, zero, consts=consts)
    assert np.allclose(full, consts[0]["max_loan"])
    pop.debt[:] = 100
    assert np.allclose(
        finance.credit_limit(pop, 1.0, zero, consts=consts), consts[0]["max_loan"] - 100
    )
    assert np.all(
        finance.credit_limit(pop, 1.0, np.ones(pop.n), consts=consts) < consts[0]["max_loan"] - 100
    )


def test_credit_never_pays_working_capital_but_advances_do():
    cash, credit = np.array([10.0]), np.array([1000.0])
    assert not finance.can_finance(
        cash, credit, np.array([100.0]), np.array([50.0]), np.array([0.0])
    )[0]
    assert finance.can_finance(cash, credit, np.array([100.0]), np.array([50.0]), np.array([50.0]))[
        0
    ]
    paid = finance.Financing(
        *finance.split_costs(credit, np.array([100.0]), np.array([50.0]), np.array([20.0]))
    )
    # Advance first for working capital, cash for the rest of it; the investment borrowed.
    assert paid.advance[0] == 20 and paid.from_cash[0] == 30 and paid.loan[0] == 100
    short = finance.Financing(
        *finance.split_costs(np.array([40.0]), np.array([100.0]), np.array([0.0]), np.array([0.0]))
    )
    assert short.loan[0] == 40 and short.from_cash[0] == 60
    for p in (paid, short):
        assert p.from_cash[0] + p.loan[0] + p.advance[0] in (150, 100)


def test_dependent_households_draw_more(consts):
    draws = [
        finance.household_budget(1000.0, 5.0, dependence, 0.0, 0.0, True, consts)[0]
        for dependence in np.linspace(0.1, 1.0, 50)
    ]
    assert np.all(np.diff(draws) > 0)


def test_exit_after_months_of_distress(consts, small):
    m = small(n=10)
    pop = m.population
    pop.cash[:] = -1
    for _ in range(consts[0]["exit_after_months"] - 1):
        finance.update_distress(pop, consts=consts)
    assert pop.active.all()
    finance.update_distress(pop, consts=consts)
    assert not pop.active.any()


def test_working_capital_loans_pay_only_working_capital():

    one = np.array
    # Working capital with no cash: only a working-capital loan makes it affordable.
    assert not finance.can_finance(
        one([0.0]), one([1000.0]), one([0.0]), one([50.0]), one([0.0]), one([0.0])
    )[0]
    assert finance.can_finance(
        one([0.0]), one([0.0]), one([0.0]), one([50.0]), one([0.0]), one([50.0])
    )[0]
    # ... and never pays for an investment.
    assert not finance.can_finance(
        one([0.0]), one([0.0]), one([100.0]), one([0.0]), one([0.0]), one([1000.0])
    )[0]
    paid = finance.Financing(
        *finance.split_costs(one([100.0]), one([100.0]), one([50.0]), one([20.0]), one([20.0]))
    )
    assert (paid.advance[0], paid.working_loan[0], paid.loan[0], paid.from_cash[0]) == (
        20,
        20,
        100,
        10,
    )


def test_working_capital_credit_lines_follow_their_own_lever(consts, small):

    m = small()
    pop = m.population
    zero = np.zeros(pop.n)
    assert np.all(finance.working_credit_limit(pop, 0.0, zero, consts=consts) == 0)
    assert np.allclose(
        finance.working_credit_limit(pop, 1.0, zero, consts=consts), consts[0]["max_working_loan"]
    )
    pop.debt[:] = 1000.0  # investment debt does not use up the working-capital line
    assert np.allclose(
        finance.working_credit_limit(pop, 1.0, zero, consts=consts), consts[0]["max_working_loan"]
    )
    assert np.all(finance.credit_limit(pop, 1.0, zero, consts=consts) == 0)


def test_working_capital_loans_are_repaid_next_month_with_interest(consts, small):

    for lever in (0.0, 1.0):
        m = small(working_capital_credit=lever, embedded_services=0.0)
        pop = m.population
        pop.lead_firm[:] = -1
        pop.aware[:] = 0b11111
        pop.cash[:] = 10_000.0
        pop.advance_due[:] = 0.0
        clarity = m.clarity()
        svc = services.service_intensity(pop, 0.0)
        ctx = m.decision_context(clarity, svc)
        opts = valuation.value_options(pop, ctx, consts=consts)
        # The credit lines before the attempts borrow.
        levers = (m.social, ctx.group_finance)
        credit = finance.credit_limit(pop, ctx.credit_access, *levers, consts=consts)
        working_credit = finance.working_credit_limit(
            pop, ctx.working_capital_credit, *levers, consts=consts
        )
        attempts = upgrades.apply_upgrades(
            pop,
            ctx,
            opts,
            np.full(opts.rows.size, PRODUCT),
            np.ones(opts.rows.size),
            0.0,
            consts=consts,
        )
        # Each decider's split of the costs, worked out again: the attempts keep only the
        # month's totals, each added in row order.
        wc = opts.working_capital[PRODUCT]
        _, _, advance, wl = finance.split_costs(
            credit[opts.rows],
            opts.investment[PRODUCT],
            wc,
            services.advance_share(ctx.services[opts.rows], consts) * wc,
            working_credit[opts.rows],
        )
        assert attempts.financing.working_loan == sum_in_order(wl)
        assert attempts.financing.advance == sum_in_order(advance)
        if lever == 0.0:
            assert wl.sum() == 0 and pop.advance_due.sum() == 0
        else:
            assert wl.min() > 0
            due = np.zeros(pop.n)
            due[opts.rows] = advance + wl * (1 + consts[0]["working_loan_interest"])
            assert np.allclose(pop.advance_due, due)


def test_producer_groups_open_credit_and_cheaper_inputs_only_with_group_finance(consts, small):

    m = small()
    pop = m.population
    pop.group[:] = np.where(np.arange(pop.n) % 2 == 0, 0, -1)
    zero = np.zeros(pop.n)
    member = pop.group >= 0
    for lever in (0.0, 1.0):
        line = finance.credit_limit(pop, 0.2, zero, lever, consts=consts)
        short = finance.working_credit_limit(pop, 0.2, zero, lever, consts=consts)
        discount = finance.input_discount(pop, lever, consts=consts)
        assert np.all(line[~member] == 0.2 * consts[0]["max_loan"]) and np.all(
            discount[~member] == 0
        )
        if lever == 0.0:
            assert np.all(line[member] == line[~member][0]) and np.all(discount == 0)
        else:
            assert np.allclose(
                line[member], (0.2 + consts[0]["group_lending"]) * consts[0]["max_loan"]
            )
            assert np.all(short[member] > short[~member][0])
            assert np.allclose(discount[member], consts[0]["group_input_discount"])
    inv, wc = upgrades.upgrade_costs(
        1, 0.0, 0.0, 0.0, consts[0]["group_input_discount"], 0.0, consts
    )
    inv0, wc0 = upgrades.upgrade_costs(1, 0.0, 0.0, 0.0, 0.0, 0.0, consts)
    assert inv == inv0 and wc == pytest.approx(wc0 * (1 - consts[0]["group_input_discount"]))
