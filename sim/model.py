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

from collections.abc import Iterable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from mesa import Model

from sim import (
    brokers,
    choice,
    contracts,
    demand,
    entry,
    finance,
    groups,
    lead_firms,
    links,
    markets,
    sales,
    sales_agents,
    services,
    signals,
    supplier_choice,
    terms,
    traders,
    upgrades,
    valuation,
)
from sim.agents import Buyer, Intermediary, LeadFirm, MseViews
from sim.channels import allocate_channels
from sim.checks import check_whole_number
from sim.constants import values_of
from sim.detmath import sum_in_order
from sim.draws import Draws
from sim.memory import retain_freed_memory
from sim.metrics import METRICS, MetricsCollector
from sim.population import CashDraw, create_population, social_barrier
from sim.provenance import provenance
from sim.scenario import ValueChainScenario, coerce_scenario
from sim.threads import choose_threads, parallel, using_threads

#: MSEs whose news of options is worked out at once (`ValueChainModel.step`).
LEARN_BLOCK = 1 << 20


class ValueChainModel(MseViews, Model):
    """A value chain of MSEs, intermediaries, lead firms and end-market buyers.

    Args:
        scenario: A `ValueChainScenario`, a bundled scenario name or TOML path, a dict of
            fields, or None for the defaults.
        rng: Seed or numpy Generator; overrides the scenario's.
        threads: Threads for the large passes (from 10^5 MSEs; `sim.threads`): default
            ``$MSE_SIM_THREADS``, else every core. The results do not depend on it.
        collect: The steps whose metrics are collected (default: all, from 0; see
            `MetricsCollector`). The model reads no metric, so the run is the same.
        **overrides: Scenario fields to change (validated), e.g. ``credit_access=0.8``.

    Attributes:
        population: MSE state arrays.
        markets: End-market state.
        mses: AgentSet of `MSE` views.
        intermediaries, lead_firms, buyers: Lists of the other agents, by index.
        datacollector: Mesa DataCollector with every metric in :data:`sim.metrics.METRICS`.
        ledger: Cumulative money flows, for checking that money is accounted for.
        links: This month's link type of each MSE (``sim.links``: via a trader, via a lead
            firm, direct, via an MSE broker), set by the month's trade.
        brokers: This month's MSE broker (row) of each MSE, or -1.
        broker_choice: Whether each MSE chose to sell through an MSE broker, kept month to
            month (`sim.brokers.choose_brokers`; unused with ``broker_choice = 0``).
        trained_agents: Rows of the MSEs a project trained as sales agents at the start
            (lever ``agent_training``; `sim.sales_agents.train_sales_agents`).
        traders: The intermediaries' state (:class:`sim.traders.Traders`: which operate,
            their rivals and margins).
        firms: The lead firms' own terms (:class:`sim.lead_firms.LeadFirms`).
        trader_power: Each intermediary's market power this month (0-1).
        bargaining: Each MSE's bargaining power this month (0-1).
        terms: This month's :class:`sim.terms.LinkTerms` (markups, premium pass-through).
        trend: The end markets' trend price by channel this month.
        contracts: Share of each MSE's output under a forward contract this month.
        last_sales: This month's :class:`sim.sales.Sales`.
        last_attempts: This month's upgrade attempts (:class:`sim.upgrades.Attempts`).
        initial_cash: Each MSE's cash at creation (currency units; drawn again when read).
        cash_draws: How the starting cash was drawn (`sim.population.CashDraw`): the
            cohort's, then each batch of entrants'.
        ever_financed, ever_linked, ever_grouped: Per MSE, whether it has ever taken an
            investment loan, supplied a lead firm, or belonged to a producer group.
        cohort_size: Number of MSEs at the start (rows ``0 .. cohort_size - 1``).

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("kenya-avocados", rng=1, n_mse=200)   # a mesa.Model
        >>> for _ in range(3):
        ...     model.step()
        >>> len(model.mses), type(model.mses.to_list()[0]).__name__
        (200, 'MSE')
        >>> table = model.datacollector.get_model_vars_dataframe()   # what sim.run returns
        >>> "share_upgraded" in table.columns
        True
    """

    def __init__(
        self,
        scenario: ValueChainScenario | str | Mapping | None = None,
        *,
        rng: Any = None,
        threads: int | None = None,
        collect: Iterable[int] | None = None,
        **overrides: Any,
    ):
        sc = coerce_scenario(scenario, overrides)
        self.threads = choose_threads(threads)
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
        self.trained_agents = sales_agents.train_sales_agents(
            pop, sc.agent_training, sc.n_villages, consts=self.constants
        )
        self.social = social_barrier(pop.excluded, sc.social_distance, sc.targeted_facilitation)
        self.markets = markets.Markets.create(
            sc.export_premium, self._mean_unit_cost, sc.second_chain_pull, consts=self.constants
        )
        self.firms = lead_firms.create_lead_firms(
            sc.n_lead_firms,
            sc.n_mse,
            sc.forward_contracts,
            sc.quality_demand,
            self.rng,
            consts=self.constants,
        )
        self.groups = groups.Groups()
        # Contracts that can be broken and groups with costs (issue 22, items 4-5): lead
        # firms' default and profit, this month's side-sellers, each member's share of its
        # group's benefits (1 for every member when groups cost nothing).
        self.firm_books = contracts.open_books(sc.n_lead_firms)
        self.side_selling = np.zeros(pop.n, dtype=bool)
        self.group_benefit = (pop.group >= 0).astype(float)
        self.traders = traders.create_traders(pop, sc.n_intermediaries, sc.n_villages)
        # Whether each MSE sells through an MSE broker, its choice kept month to month
        # (sim.brokers; new rows start without one). Unused with broker_choice = 0.
        self.broker_choice = np.zeros(pop.n, dtype=bool)
        self.ledger = finance.open_ledger(sum_in_order(pop.cash))
        # Each MSE's starting cash, for who-gains breakdowns by initial wealth
        # (sim.who_gains); the state array `cash` changes every month. Kept as how it was
        # drawn, the cohort's and each batch of entrants' (`initial_cash`): memory.
        self.cash_draws: list[CashDraw] = [cast(CashDraw, pop.cash_draw)]
        # Who an intervention has reached so far, one flag per MSE (read by sim.who_gains
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
        # The MSE views are made when first asked for (`mses`, `agents`): a run that never
        # reads them (every study) saves their memory, several times the state's at 10^7
        # MSEs. Their unique ids are reserved now, so they are the same either way.
        self._mses = None
        self._first_mse_id = self.agent_id_counter
        self.agent_id_counter += sc.n_mse
        # New MSEs enter when the chain pays more than their outside option (sim.entry; its
        # own random stream, so the model's draws are not touched).
        self.entry = entry.open_entry(self.rng, self._seed, self._first_mse_id, sc.n_mse)

        # Set by every month's trade (first in `trade` below); the agents read them.
        self.links: np.ndarray
        self.brokers: np.ndarray
        self.trader_power: np.ndarray
        self.bargaining: np.ndarray
        self.terms: terms.LinkTerms
        self.trend: np.ndarray
        self.contracts: np.ndarray
        self.last_sales: sales.Sales  # set by the month's trade, first just below
        self.last_attempts: upgrades.Attempts | None = None
        if self.constants[0]["broker_choice"]:
            # The first choice of broker compares with the traders' market power before any
            # MSE has chosen a broker; every later month's, with last month's.
            before, _ = links.links_and_brokers(
                pop, sc.mse_brokers, sc.n_villages, consts=self.constants, chosen=self.broker_choice
            )
            self.trader_power = traders.intermediary_market_power(
                pop, before, sc.n_intermediaries, consts=self.constants, rivals=self.traders.rivals
            )
        self.trade()
        # End markets answer supply relative to month 0's (issue 22, item 1; sim.demand).
        self.demand_reference = demand.Reference.of(
            self.last_sales.units, pop.quality, self.constants
        )
        self.last_sales.compact()  # memory: see `_month`
        clarity = self.clarity()
        # A block of MSEs at a time (memory: see `_month`).
        for first in range(0, pop.n, LEARN_BLOCK):
            block = slice(first, first + LEARN_BLOCK)
            base, premium_rate = self.last_sales.unit_prices(block)
            signals.initial_beliefs(pop, base, premium_rate, clarity, rows=block)
            del base, premium_rate
        del clarity

        self.datacollector = MetricsCollector(steps=collect)
        self.running = True
        self.datacollector.collect(self)

    # -- one month ---------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one month: markets, links, sales, information, groups, decisions, exit."""
        if not parallel(self.population.n):
            self._month()  # numba's thread pool is not even started
            return
        with using_threads(self.threads):
            self._month()

    def _month(self) -> None:
        sc, pop, k = self.scenario, self.population, self.constants
        # Last month's attempts are let go now (memory: 3 bytes an MSE); this month's are set
        # by the decisions below.
        self.last_attempts = None
        entry.enter(self)  # new MSEs join before the month's draws (sim.entry)
        draws = entry.month_draws(self)  # `Draws.draw`; entrants' rows from entry's stream

        # End markets move: preferences drift toward quality, competitors get cheaper,
        # prices take this month's shock.
        self.markets.month += 1
        markets.drift_preferences(self.markets, sc.demand_shift, consts=k)
        markets.lower_benchmark_cost(self.markets, self._mean_unit_cost, sc.competition, consts=k)
        # The month's trend prices, read by the choice of buyer, by side-selling and by the
        # trade below (nothing moves the markets between them, so they are computed once).
        trend = markets.shock_prices(
            self.markets,
            sc.price_volatility,
            sc.competition,
            draws.prices,
            sc.market_shifts,
            consts=k,
        )

        # Vertical links: lead firms recruit, then everybody sells and is paid. The firms'
        # terms tightened by their suppliers' default serve recruitment and side-selling
        # alike (the default rates move only in side-selling, after they are read).
        firms = contracts.tightened(self.firms, self.firm_books, k)
        # MSEs the firms reach choose their buyer on last month's terms, and firms answer
        # with their offers (issue 22, item 3; off: 0.3.0's recruitment).
        offers = (
            supplier_choice.offers(
                self.terms,
                self.bargaining,
                trend,
                self.markets.premium,
                sc.quality_demand,
                sc.embedded_services,
                k,
            )
            if supplier_choice.offer_step(k) > 0.0
            else None
        )
        lead_firms.recruit_suppliers(
            pop,
            firms,
            embedded_services=sc.embedded_services,
            forward_contracts=sc.forward_contracts,
            pull=lead_firms.end_market_pull(sc.export_premium, sc.demand_shift),
            social=self.social,
            uniforms=draws.recruit,
            consts=k,
            offers=offers,
            profit=self.firm_books.profit,
        )
        del offers
        draws.release("recruit")  # memory: see sim.draws.Draws
        # Last month's terms and sales are let go before this month's are made: at 10^7
        # MSEs both at once were the month's peak of memory (1.4 GB more).
        del self.terms, self.last_sales
        # Contracted suppliers may side-sell when spot beats the contract price; the transit
        # draw is free for them (only direct sellers lose goods in transit).
        self.side_selling = contracts.side_selling(
            pop,
            contracts.contract_share(pop, firms),
            self.markets.price,
            trend,
            sc.embedded_services,
            draws.transit,
            self.firm_books,
            k,
        )
        # The transit row is drawn again when the trade reads it (the same numbers), rather
        # than held through the sales (memory: `sim.draws.Draws.forget`).
        draws.forget("transit")
        month = self.trade(transit=draws, trend=trend)
        contracts.book_profit(
            self.firm_books,
            pop.lead_firm,
            pop.active,
            self.last_sales.produced,
            self.last_sales.lead_firm_take,
            float(self.trend[markets.DOMESTIC]),
            sc.embedded_services,
            k,
        )
        assert month is not None  # with the transit draws, trade settles the month
        draws.release("transit")
        # End markets answer the month's supply: next month's prices and premiums move.
        demand.respond(
            self.markets, self.demand_reference, self.last_sales.sold_units, pop.quality, k
        )

        # Information: price and premium signals, group meetings, news of options.
        clarity = self.clarity()
        # A block of MSEs at a time, each block's unit prices worked out from the sales
        # (`sim.sales.Sales.base`): all of them at once were 48 bytes an MSE.
        for first in range(0, pop.n, LEARN_BLOCK):
            block = slice(first, first + LEARN_BLOCK)
            base, premium_rate = self.last_sales.unit_prices(block)
            signals.update_beliefs(
                pop, base, premium_rate, clarity, draws.belief_noise, consts=k, rows=block
            )
            del base, premium_rate
        # The valuation works out each MSE's clarity, services and support for itself, and
        # the upgrades get the services and support anew: none of them is held from here to
        # the decisions (24 bytes an MSE; `sim.decisions.Context.links`).
        del clarity
        # Each row of draws is let go once its last reader is done, before the next is drawn
        # (memory: at 10^7 MSEs a row is 80 MB; `sim.draws.Draws`).
        draws.release("belief_noise")
        # Nothing moves an MSE into or out of the chain from here to the learning below, so
        # one mask of the MSEs in it serves the meetings, the learners and the peers.
        in_chain = pop.in_chain
        groups.share_information(pop, consts=k, in_chain=in_chain)
        service_level = services.service_intensity(pop, sc.embedded_services)
        support = services.support_intensity(pop, sc.support_services, self.social, consts=k)
        group_adoption = groups.peer_adoption(pop, pop.group, in_chain & pop.in_group)
        village_adoption = groups.peer_adoption(pop, pop.village, pop.active)
        # In blocks of MSEs, so that the hazards of 10^7 MSEs (400 MB) are never held at once,
        # nor the rows of every learner (80 MB): an MSE's hazards and news depend on its own
        # row only, so the bits are the same.
        for first in range(0, pop.n, LEARN_BLOCK):
            rows = signals.learners(pop, in_chain, slice(first, first + LEARN_BLOCK))
            if rows.size == 0:
                continue
            hazard = signals.option_hazards(
                pop,
                rows,
                self.social,
                service_level,
                sc.intermediary_rent,
                sc.herding,
                group_adoption,
                village_adoption,
                support,
                consts=k,
            )
            signals.learn_options(pop, rows, hazard, draws.take("learn", rows))
            del rows, hazard
        del in_chain, group_adoption, village_adoption, service_level, support
        draws.release("learn")

        # Horizontal links.
        groups.dissolve_groups(pop, self.groups, sc.group_support, draws.groups, consts=k)
        draws.release("groups")
        groups.form_groups(
            pop,
            self.groups,
            sc.group_support,
            self.social,
            sc.social_distance,
            draws.join,
            consts=k,
        )
        # Groups cost something: free-riding, elite capture, governance (issue 22, item 5).
        self.group_benefit = groups.group_economics(pop, self.groups, draws.join, consts=k)
        draws.release("join")

        # Decisions: value every option for every MSE, choose, pay, apply.
        ctx = self.decision_context()
        options = valuation.value_options(pop, ctx, consts=k, detail=False)
        # Memory: what only the valuation and the choice read is let go before the upgrades
        # are applied (`for_upgrades`), and each row of uniforms once the deciders' own are
        # taken from it (8 bytes an MSE each, held through the upgrades before).
        uniforms = draws.take("decide", options.rows)
        draws.release("decide")
        chosen = choice.choose_upgrades(options, uniforms, consts=k)
        options = options.for_upgrades()
        uniforms = draws.take("success", options.rows)
        draws.release("success")
        ctx = ctx.for_upgrades()
        # The upgrades work out each decider's services as the valuation did; the technical
        # assistance after them gives every MSE that of its services and support before
        # them, from the one byte an MSE of their inputs the upgrades change (memory:
        # `sim.services.service_inputs`, in place of two arrays of eight bytes).
        before = services.service_inputs(pop)
        attempts = upgrades.apply_upgrades(
            pop, ctx, options, chosen, uniforms, sc.herding, consts=k
        )
        del options, chosen, ctx, uniforms
        self.last_attempts = attempts
        allocate_channels(pop, consts=k)
        services.assist(
            pop, before, sc.embedded_services, sc.support_services, self.social, consts=k
        )
        del before

        # Money: the month's flows go to the ledger; MSEs in distress too long exit.
        finance.book_month(self.ledger, month._replace(financing=attempts.financing))
        finance.update_distress(pop, consts=k)
        self.ever_financed |= attempts.borrowed
        self.ever_linked |= pop.lead_firm >= 0
        self.ever_grouped |= pop.group >= 0
        self.datacollector.collect(self)

    @property
    def initial_cash(self) -> np.ndarray:
        """Each MSE's cash at creation (currency units; a new array each time).

        Drawn again from the generator's state before each draw (`sim.population.CashDraw`):
        the same numbers, without holding 8 bytes an MSE all run for a breakdown read at
        the end.
        """
        parts = [draw.cash() for draw in self.cash_draws]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    @property
    def _mean_unit_cost(self) -> float:
        return values_of(self.constants)["mean_unit_cost"]

    # -- mechanisms that need several modules ------------------------------------------------

    def clarity(self) -> np.ndarray:
        """How clearly each MSE sees end markets this month (`sim.signals.signal_clarity`)."""
        pop, k = self.population, self.constants
        # A lead firm or an MSE broker (Pakistan's sales agents) brings end-market news.
        linked = (pop.lead_firm >= 0) | (self.links == links.VIA_BROKER)
        return signals.signal_clarity(
            pop, self.social, linked, self.scenario.intermediary_rent, consts=k
        )

    def trade(
        self, transit: np.ndarray | Draws | None = None, trend: np.ndarray | None = None
    ) -> finance.MonthAccounts | None:
        """Set the month's links, terms and sales; with ``transit``, settle every MSE's cash.

        Sets `links`, `brokers`, `trader_power`, `bargaining`, `terms`, `trend`, `contracts`
        and `last_sales`, and writes each MSE's income. Traders bypassed by direct selling exit.

        Args:
            transit: The month's draws for losses in transit, or the month's `sim.draws.Draws`
                to read them from when they are used. Without them (the model's creation),
                nothing is lost and no cash is settled.
            trend: The month's trend prices (`sim.markets.Markets.trend_price`), if the caller
                has them already; computed here otherwise.

        Returns:
            The month's flows for the ledger (the decisions add their financing), or None
            without ``transit``.
        """
        sc, pop, k = self.scenario, self.population, self.constants
        self.bargaining = bargaining = terms.bargaining_power(
            pop, sc.bargaining_power, self.social, consts=k, group_benefit=self.group_benefit
        )
        chosen = None
        if k[0]["broker_choice"]:
            # MSEs that can reach a broker choose it on price (sim.brokers), against their
            # trader's terms at last month's market power (set before the first trade).
            brokers.choose_brokers(
                pop,
                self.broker_choice,
                sc.mse_brokers,
                sc.n_villages,
                trader_power=self.trader_power,
                bargaining=bargaining,
                social=self.social,
                intermediary_rent=sc.intermediary_rent,
                traders=self.traders,
                price=self.markets.price,
                premium=self.markets.premium,
                consts=k,
            )
            chosen = self.broker_choice
        self.links, self.brokers = links.links_and_brokers(
            pop, sc.mse_brokers, sc.n_villages, consts=k, chosen=chosen
        )
        # A side-seller sells this month's output to its village's trader.
        self.links[self.side_selling] = links.VIA_TRADER
        self.brokers[self.side_selling] = -1
        self.trader_power = traders.intermediary_market_power(
            pop, self.links, sc.n_intermediaries, consts=k, rivals=self.traders.rivals
        )
        self.terms = terms.link_terms(
            pop,
            self.links,
            self.trader_power,
            bargaining,
            self.social,
            sc.intermediary_rent,
            self.firms,
            self.brokers,
            self.traders,
            consts=k,
        )
        self.trend = self.markets.trend_price(sc.competition, consts=k) if trend is None else trend
        # Links change only in recruitment (before) and upgrades (after the decisions use
        # this), so the month's contract shares serve sales and decisions alike.
        self.contracts = contracts.contract_share(
            pop, contracts.tightened(self.firms, self.firm_books, k)
        )
        self.contracts[self.side_selling] = 0.0
        sold = sales.sell_output(
            pop,
            self.markets,
            self.terms,
            self.trend,
            self.contracts,
            sc.competition,
            sc.n_intermediaries,
            sc.n_lead_firms,
            consts=k,
        )
        self.last_sales = sold
        # Traders bypassed by direct selling and brokers exit; their villages turn to others.
        # Rivals enter catchments whose traders' margins are high and leave where low.
        traders.update_traders(
            pop,
            self.links,
            sold.units,
            self.traders,
            start=self.markets.month == 0,
            consts=k,
            take=sold.intermediary_take,
            price=self.markets.price,
        )
        if transit is not None:
            # The last reader of the units by channel as a whole array is done (the end
            # markets read them compact): from here the month holds them compact, the few
            # MSEs that export or broker (`sim.sales.Sales.compact`; 24 bytes an MSE).
            sold.compact()
        production_cost, outside = finance.month_income(
            pop, sold, self.social, self.markets.second_price, k
        )
        if transit is None:
            return None
        # Read only now (from `Draws`, a row drawn when read): not held through the sales.
        uniforms = transit.transit if isinstance(transit, Draws) else transit
        lost = sales.lose_in_transit(
            pop, self.links, sold.revenue, uniforms, sc.transit_risk, consts=k
        )
        del uniforms
        household = finance.settle_accounts(
            pop.cash, pop.debt, pop.advance_due, pop.income, pop.dependence, pop.active, k
        )
        pop.record_income(self.markets.month)
        return finance.MonthAccounts(sold, production_cost, outside, household, lost)

    def decision_context(
        self,
        clarity: np.ndarray | None = None,
        service_level: np.ndarray | None = None,
        support: np.ndarray | None = None,
    ) -> valuation.Context:
        """What this month's decisions need besides the population (`sim.valuation.Context`).

        Without ``clarity`` and ``service_level``, the valuation works out each MSE's
        clarity, services and support from the month's links and the levers
        (`sim.decisions.Context.links`), as `clarity`, `sim.services.service_intensity` and
        `sim.services.support_intensity` would (the month's way: memory).

        Args:
            clarity: How clearly each MSE sees end markets (`clarity`).
            service_level: Embedded-service intensity each MSE receives.
            support: Stand-alone support-service intensity each MSE buys (none if omitted).
        """
        sc = self.scenario
        worked_out = clarity is None and service_level is None
        return valuation.Context(
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
            credit_access=sc.credit_access,
            group_benefit=self.group_benefit,
            transit_risk=sc.transit_risk,
            working_capital_credit=sc.working_capital_credit,
            group_finance=sc.group_finance,
            support=support,
            brokerage=self.last_sales.brokerage,
            links=self.links if worked_out else None,
            embedded_services=sc.embedded_services,
            support_services=sc.support_services,
            own_clarity=signals.own_clarity(sc.intermediary_rent, self.constants),
        )

    # -- results -----------------------------------------------------------------------------

    def provenance(self) -> dict[str, Any]:
        """Scenario, seed, code and library versions: what is needed to reproduce this run.

        The code (commit or build) and versions come from :func:`sim.provenance.provenance`.
        """
        return {"scenario": self.scenario.to_record(), "seed": self.seed, **provenance()}

    def results(self) -> pd.DataFrame:
        """The metrics collected so far, one row per step, with provenance in ``attrs``."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df = df[list(METRICS)]
        df.attrs.update(self.provenance())
        return df


def run(
    scenario: ValueChainScenario | str | Mapping | None = None,
    *,
    steps: int = 120,
    rng: Any = None,
    threads: int | None = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Run the model and return its metrics.

    Args:
        scenario: Scenario, bundled name, TOML path, dict of fields, or None for defaults.
        steps: Months to simulate.
        rng: Seed or numpy Generator.
        threads: Threads for the large passes (`ValueChainModel`); the results do not
            depend on it.
        **overrides: Scenario fields to change.

    Returns:
        One row per step from 0 to ``steps``, one column per metric; ``df.attrs`` holds the
        scenario (a dict), the seed, the package version, the code (git commit or wheel
        build) and the versions of the libraries that decide the numbers
        (:func:`sim.provenance.provenance`).

    Examples:
        >>> import sim
        >>> df = sim.run("baseline", steps=12, rng=1, n_mse=200)   # one row per month, 0..12
        >>> len(df), "share_upgraded" in df.columns
        (13, True)
        >>> df.attrs["scenario"]["name"], df.attrs["seed"], df.attrs["version"] == sim.__version__
        ('baseline', 1, True)
        >>> {"numpy", "numba", "mesa", "pandas"} <= set(df.attrs["versions"])
        True
        >>> more_credit = sim.run("baseline", steps=12, rng=1, n_mse=200, credit_access=0.8)
        >>> more_credit.attrs["scenario"]["credit_access"]
        0.8
    """
    check_whole_number(steps, "steps", 0)
    model = ValueChainModel(scenario, rng=rng, threads=threads, **overrides)
    for _ in range(int(steps)):
        model.step()
    return model.results()
