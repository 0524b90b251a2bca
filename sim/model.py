"""ValueChainModel: micro and small enterprises deciding whether and how to upgrade.

One value chain, one step per month. End-market buyers (domestic, export, specialty) set
prices and quality premiums; lead firms recruit suppliers and offer embedded services and
forward contracts; intermediaries buy from the other MSEs, keeping markups and part of the
quality premium; price signals travel down these vertical links to MSEs, delayed and
attenuated by distance and distorted by rent; MSEs form producer groups; and each month every
MSE weighs the upgrading options it knows of — process, product, functional, channel,
intersectoral — on risk-adjusted returns within its cash and credit.

The state of all MSEs lives in numpy arrays (:mod:`sim.population`) and each mechanism is one
pass over all MSEs (a loop compiled with numba, or a few numpy operations) in its own module,
called from :meth:`ValueChainModel.step` in the order below. `MSE` agents are views onto those
arrays, so Mesa's tools work as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from mesa import DataCollector, Model
from numba import njit

from sim import __version__, decisions, finance, groups, markets, services, signals, trade
from sim.agents import MSE, Buyer, Intermediary, LeadFirm
from sim.errors import UserInputError
from sim.memory import retain_freed_memory
from sim.metrics import METRICS, REPORTERS
from sim.population import (
    INTERSECTORAL,
    create_population,
    social_barrier,
)
from sim.scenario import ValueChainScenario, coerce_scenario


@dataclass(frozen=True)
class _Draws:
    """All of one month's random numbers, drawn at once in a fixed layout.

    Every month draws the same arrays whatever the levers, so two runs with the same seed that
    differ only in levers see the same random numbers (common random numbers): differences
    between them come from the levers, not from luck. Where one draw decides two things, the
    mechanism uses disjoint slices of [0, 1) or the uniform remainder ``u / p`` of an event of
    probability ``p``, so the things stay independent.
    """

    prices: np.ndarray        # (8,) normals: common, per channel, shifts, second chain
    recruit: np.ndarray       # (n,) lead firms reach or drop MSEs
    belief_noise: np.ndarray  # (n,) zero mean, unit variance
    learn: np.ndarray         # (n,) news of an option
    groups: np.ndarray        # (n,) groups dissolve, members leave
    join: np.ndarray          # (n,) MSEs seek a group
    decide: np.ndarray        # (n,) logit choice among options
    success: np.ndarray       # (n,) an attempted upgrade works
    transit: np.ndarray       # (n,) a direct seller loses goods or cash in transit

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> _Draws:
        u = rng.random((8, n))
        return cls(
            prices=rng.standard_normal(2 + 2 * markets.N_CHANNELS),
            recruit=u[0],
            belief_noise=(u[1] - 0.5) * np.sqrt(12.0),
            learn=u[2],
            groups=u[3],
            join=u[4],
            decide=u[5],
            success=u[6],
            transit=u[7],
        )


class ValueChainModel(Model):
    """A value chain of MSEs, intermediaries, lead firms and end-market buyers.

    Args:
        scenario: A `ValueChainScenario`, a bundled scenario name or TOML path, a dict of
            fields, or None for the defaults.
        rng: Seed or numpy Generator; overrides the scenario's.
        **overrides: Scenario fields to change (validated), e.g. ``credit_access=0.8``.

    Attributes:
        population: MSE state arrays.
        markets: End-market state.
        mses: AgentSet of `MSE` views.
        intermediaries, lead_firms, buyers: Lists of the other agents, by index.
        datacollector: Mesa DataCollector with every metric in :data:`sim.metrics.METRICS`.
        ledger: Cumulative money flows, for checking that money is accounted for.
        links: This month's link type of each MSE (``sim.trade``: via a trader, via a lead
            firm, direct, via an MSE broker), set by the month's trade.
        brokers: This month's MSE broker (row) of each MSE, or -1.
        trained_agents: Rows of the MSEs a project trained as sales agents at the start
            (lever ``agent_training``; `sim.decisions.train_sales_agents`).
        traders: The intermediaries' state (:class:`sim.trade.Traders`: which operate).
        firms: The lead firms' own terms (:class:`sim.services.LeadFirms`).
        trader_power: Each intermediary's market power this month (0-1).
        terms: This month's :class:`sim.trade.LinkTerms` (markups, premium pass-through).
        trend: The end markets' trend price by channel this month.
        contracts: Share of each MSE's output under a forward contract this month.
        last_sales: This month's :class:`sim.trade.Sales`.
        last_attempts: This month's upgrade attempts (:class:`sim.decisions.Attempts`).
        initial_cash: Each MSE's cash at creation (currency units).
        ever_financed, ever_linked, ever_grouped: Per MSE, whether it has ever taken an
            investment loan, supplied a lead firm, or belonged to a producer group.
        cohort_size: Number of MSEs at the start (rows ``0 .. cohort_size - 1``).
    """

    def __init__(self, scenario: ValueChainScenario | str | Mapping | None = None, *,
                 rng: Any = None, **overrides: Any):
        sc = coerce_scenario(scenario, overrides)
        retain_freed_memory()  # each month's temporaries then reuse warm pages (sim.memory)
        rng = sc.rng if rng is None else rng
        if rng is None:
            # Draw the seed ourselves, so that the one recorded in the results reproduces them.
            rng = np.random.SeedSequence().entropy
        sc = ValueChainScenario(rng=rng, **sc.to_record())
        super().__init__(scenario=sc)
        self.seed = self._seed
        # The run's calibration constants, one record every mechanism reads (sim.constants).
        self.constants = sc.constants.record()
        self.population = pop = create_population(
            sc.n_mse,
            n_villages=sc.n_villages,
            n_intermediaries=sc.n_intermediaries,
            physical_distance=sc.physical_distance,
            excluded_share=sc.excluded_share,
            social_distance=sc.social_distance,
            ict_access=sc.ict_access,
            household_dependence=sc.household_dependence,
            education=sc.education,
            rng=self.rng,
            consts=self.constants,
        )
        # A project's sales agents start as direct sellers (no draw: the lever at 0 changes
        # nothing, not even the random numbers).
        self.trained_agents = decisions.train_sales_agents(pop, sc.agent_training,
                                                           sc.n_villages, consts=self.constants)
        self.social = social_barrier(pop.excluded, sc.social_distance, sc.targeted_facilitation)
        self.markets = markets.Markets.create(sc.export_premium, self._mean_unit_cost,
                                              sc.second_chain_pull, consts=self.constants)
        self.firms = services.create_lead_firms(sc.n_lead_firms, sc.n_mse, sc.forward_contracts,
                                                sc.quality_demand, self.rng,
                                                consts=self.constants)
        self.groups = groups.Groups()
        self.traders = trade.create_traders(pop, sc.n_intermediaries, sc.n_villages)
        self.ledger: dict[str, float] = dict.fromkeys(
            ("revenue", "production_cost", "outside_income", "household_draw", "debt_service",
             "principal_repaid", "advances_repaid", "invested_from_cash", "loans", "advances",
             "buyer_payments", "intermediary_take", "lead_firm_take", "transport",
             "working_loans", "transit_losses"), 0.0)
        self.ledger["initial_cash"] = float(pop.cash.sum())
        # Each MSE's starting cash, kept for who-gains breakdowns by initial wealth
        # (sim.distribution); the state array `cash` changes every month.
        self.initial_cash = pop.cash.copy()
        # Who an intervention has reached so far, one flag per MSE (read by sim.distribution
        # to cost interventions per MSE reached): ever took an investment loan, ever supplied
        # a lead firm, ever belonged to a producer group. Updated at the end of each month;
        # they read the state and draw nothing, so runs are unchanged.
        self.ever_financed = np.zeros(pop.n, dtype=bool)
        self.ever_linked = np.zeros(pop.n, dtype=bool)
        self.ever_grouped = np.zeros(pop.n, dtype=bool)
        # The MSEs present at the start: the population an intention-to-treat metric follows
        # (`sim.metrics.mean_income_cohort`), whatever enters later.
        self.cohort_size = pop.n

        self.buyers = [Buyer(self, c) for c in range(markets.N_CHANNELS)]
        self.intermediaries = [Intermediary(self, j) for j in range(sc.n_intermediaries)]
        self.lead_firms = [LeadFirm(self, k) for k in range(sc.n_lead_firms)]
        self.mses = MSE.create_agents(self, sc.n_mse, np.arange(sc.n_mse))

        # Set by every month's trade (first in _trade below); the agents read them.
        self.links: np.ndarray
        self.brokers: np.ndarray
        self.trader_power: np.ndarray
        self.terms: trade.LinkTerms
        self.trend: np.ndarray
        self.contracts: np.ndarray
        self.last_sales: trade.Sales | None = None
        self.last_attempts: decisions.Attempts | None = None
        self._trade(account=False)
        clarity = self._clarity()
        signals.initial_beliefs(pop, self.last_sales.base, self.last_sales.premium_rate, clarity)

        self.datacollector = DataCollector(model_reporters=dict(REPORTERS))
        self.running = True
        self.datacollector.collect(self)

    # -- one month ---------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one month: markets, links, sales, information, groups, decisions, exit."""
        sc, pop, k = self.scenario, self.population, self.constants
        draws = _Draws.draw(self.rng, pop.n)

        # End markets move: preferences drift toward quality, competitors get cheaper,
        # prices take this month's shock.
        self.markets.month += 1
        markets.drift_preferences(self.markets, sc.demand_shift, consts=k)
        markets.lower_benchmark_cost(self.markets, self._mean_unit_cost, sc.competition, consts=k)
        markets.shock_prices(self.markets, sc.price_volatility, sc.competition, draws.prices,
                             sc.market_shifts, consts=k)

        # Vertical links: lead firms recruit, then everybody sells and is paid.
        services.recruit_suppliers(
            pop, self.firms, embedded_services=sc.embedded_services,
            forward_contracts=sc.forward_contracts,
            pull=services.end_market_pull(sc.export_premium, sc.demand_shift),
            social=self.social, uniforms=draws.recruit, consts=k)
        self._trade(account=True, transit=draws.transit)

        # Information: price and premium signals, group meetings, news of options.
        clarity = self._clarity()
        signals.update_beliefs(pop, self.last_sales.base, self.last_sales.premium_rate,
                               clarity, draws.belief_noise, consts=k)
        groups.share_information(pop, consts=k)
        service_level = services.service_intensity(pop, sc.embedded_services)
        support = services.support_intensity(pop, sc.support_services, self.social, consts=k)
        rows = signals.learners(pop)
        hazard = signals.option_hazards(
            pop, rows, self.social, service_level, sc.intermediary_rent, sc.herding,
            groups.peer_adoption(pop, pop.group, pop.in_chain & pop.in_group),
            groups.peer_adoption(pop, pop.village, pop.active), support, consts=k)
        signals.learn_options(pop, rows, hazard, draws.learn[rows])

        # Horizontal links.
        groups.dissolve_groups(pop, self.groups, sc.group_support, draws.groups, consts=k)
        groups.form_groups(pop, self.groups, sc.group_support, self.social,
                           sc.social_distance, draws.join, consts=k)

        # Decisions: value every option for every MSE, choose, pay, apply.
        ctx = self._decision_context(clarity, service_level, support)
        options = decisions.value_options(pop, ctx, consts=k)
        choice = decisions.choose_upgrades(options, draws.decide[options.rows], consts=k)
        attempts = decisions.apply_upgrades(pop, ctx, options, choice,
                                            draws.success[options.rows], sc.herding, consts=k)
        self.last_attempts = attempts
        self.ledger["invested_from_cash"] += float(attempts.financing.from_cash.sum())
        self.ledger["loans"] += float(attempts.financing.loan.sum())
        self.ledger["advances"] += float(attempts.financing.advance.sum())
        self.ledger["working_loans"] += float(attempts.financing.working_loan.sum())
        decisions.allocate_channels(pop, consts=k)
        services.technical_assistance(pop, service_level, support, consts=k)

        finance.update_distress(pop, consts=k)
        self.ever_financed |= attempts.financing.loan > 0.0
        self.ever_linked |= pop.lead_firm >= 0
        self.ever_grouped |= pop.group >= 0
        self.datacollector.collect(self)

    @property
    def _mean_unit_cost(self) -> float:
        return self.constants[0]["mean_unit_cost"]

    # -- mechanisms that need several modules ------------------------------------------------

    def _clarity(self) -> np.ndarray:
        pop, k = self.population, self.constants
        # A lead firm or an MSE broker (Pakistan's sales agents) brings end-market news.
        linked = (pop.lead_firm >= 0) | (self.links == trade.VIA_BROKER)
        return signals.signal_clarity(pop, self.social, linked, self.scenario.intermediary_rent,
                                      consts=k)

    def _trade(self, *, account: bool, transit: np.ndarray | None = None) -> None:
        """Sell this month's output and, if ``account``, settle every MSE's cash.

        ``transit`` holds the month's draws for losses in transit (none if omitted).
        """
        sc, pop, k = self.scenario, self.population, self.constants
        self.links, self.brokers = trade.links_and_brokers(pop, sc.mse_brokers, sc.n_villages,
                                                           consts=k)
        self.trader_power = trade.intermediary_market_power(pop, self.links,
                                                            sc.n_intermediaries, consts=k)
        bargaining = trade.bargaining_power(pop, sc.bargaining_power, self.social, consts=k)
        terms = trade.link_terms(pop, self.links, self.trader_power, bargaining, self.social,
                                 sc.intermediary_rent, self.firms, self.brokers, self.traders,
                                 consts=k)
        self.terms = terms
        self.trend = self.markets.trend_price(sc.competition, consts=k)
        # Links change only in recruitment (before) and upgrades (after the decisions use
        # this), so the month's contract shares serve sales and decisions alike.
        self.contracts = services.contract_share(pop, self.firms)
        sales = trade.sell_output(pop, self.markets, terms, self.trend, self.contracts,
                                  sc.competition, sc.n_intermediaries, sc.n_lead_firms, consts=k)
        self.last_sales = sales
        # Traders bypassed by direct selling and brokers exit; their villages turn to others.
        trade.update_traders(pop, self.links, sales.units, self.traders,
                             start=self.markets.month == 0, consts=k)
        production_cost, outside = _month_income(sales.revenue, sales.produced, pop.unit_cost,
                                                 pop.skill, self.social, pop.active,
                                                 pop.upgrades, pop.income,
                                                 self.markets.second_price, k)
        if not account:
            return
        lost = (trade.lose_in_transit(pop, self.links, sales.revenue, transit, sc.transit_risk,
                                      consts=k)
                if transit is not None else 0.0)
        flows = finance.settle_accounts(pop.cash, pop.debt, pop.advance_due, pop.income,
                                        pop.dependence, pop.active, k)
        pop.record_income(self.markets.month)
        ledger = self.ledger
        ledger["revenue"] += float(sales.revenue.sum())
        ledger["production_cost"] += production_cost
        ledger["outside_income"] += outside
        for key, total in zip(("household_draw", "debt_service", "principal_repaid",
                               "advances_repaid"), flows, strict=True):
            ledger[key] += float(total)
        ledger["buyer_payments"] += float(sales.buyer_payments.sum())
        ledger["intermediary_take"] += float(sales.intermediary_take.sum())
        ledger["lead_firm_take"] += float(sales.lead_firm_take.sum())
        ledger["transport"] += sales.transport
        ledger["transit_losses"] += lost

    def _decision_context(self, clarity: np.ndarray, service_level: np.ndarray,
                          support: np.ndarray | None = None) -> decisions.Context:
        sc, pop, k = self.scenario, self.population, self.constants
        return decisions.Context(
            benchmark_cost=self.markets.benchmark_cost,
            competition=sc.competition,
            price_volatility=sc.price_volatility,
            second_level=self.markets.second_level,
            price=self.markets.price,
            markup=self.terms.markup,
            pass_through=self.terms.pass_through,
            clarity=clarity,
            services=service_level,
            contract_share=self.contracts,
            social=self.social,
            credit=finance.credit_limit(pop, sc.credit_access, self.social, sc.group_finance,
                                        consts=k),
            cost_share=groups.group_cost_share(pop, consts=k),
            transit_risk=sc.transit_risk,
            working_credit=finance.working_credit_limit(pop, sc.working_capital_credit,
                                                        self.social, sc.group_finance, consts=k),
            input_discount=finance.input_discount(pop, sc.group_finance, consts=k),
            support=support,
            brokerage=self.last_sales.brokerage,
        )

    # -- results -----------------------------------------------------------------------------

    def provenance(self) -> dict[str, Any]:
        """Scenario, seed and package version: what is needed to reproduce this run."""
        return {"scenario": self.scenario.to_record(), "seed": self.seed,
                "version": __version__}

    def results(self) -> pd.DataFrame:
        """The metrics collected so far, one row per step, with provenance in ``attrs``."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df = df[list(METRICS)]
        df.attrs.update(self.provenance())
        return df


@njit(cache=True)
def _month_income(revenue, produced, unit_cost, skill, social, active, upgrades, income,
                  second_price, consts):
    """Each MSE's income this month: sales less production cost, or its second-chain income.

    Every unit produced is paid for, sold or not. Writes ``income`` (zero for MSEs that have
    exited) and returns the month's total production cost and outside income.
    """
    production_total = outside_total = 0.0
    for i in range(revenue.size):
        production_cost = produced[i] * unit_cost[i]
        moved = active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 1
        outside = decisions.outside_income(skill[i], social[i], upgrades[i],
                                           second_price, consts) if moved else 0.0
        income[i] = revenue[i] - production_cost + outside if active[i] else 0.0
        production_total += production_cost
        outside_total += outside
    return production_total, outside_total


def run(scenario: ValueChainScenario | str | Mapping | None = None, *, steps: int = 120,
        rng: Any = None, **overrides: Any) -> pd.DataFrame:
    """Run the model and return its metrics.

    Args:
        scenario: Scenario, bundled name, TOML path, dict of fields, or None for defaults.
        steps: Months to simulate.
        rng: Seed or numpy Generator.
        **overrides: Scenario fields to change.

    Returns:
        One row per step from 0 to ``steps``, one column per metric; ``df.attrs`` holds the
        scenario (a dict), the seed and the package version.
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise UserInputError(f"steps: value {steps!r} is not a whole number of 0 or more")
    model = ValueChainModel(scenario, rng=rng, **overrides)
    for _ in range(int(steps)):
        model.step()
    return model.results()
