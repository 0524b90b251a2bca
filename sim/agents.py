"""The agents of the value chain: MSEs, intermediaries, lead firms and end-market buyers.

All four are ordinary `mesa.Agent` subclasses, so Mesa's AgentSet, DataCollector agent
reporters, SolaraViz and batch_run see them as usual. `MSE` agents hold no state of their own:
each is a view onto one row of the model's :class:`~sim.population.Population` arrays, which
the model steps for all MSEs at once. Reading ``mse.cash`` reads the array; writing it writes
the array. The few intermediaries, lead firms and buyers are views onto the model's per-firm
results in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from mesa import Agent, Model
from mesa.agent import AgentSet

from sim.links import VIA_BROKER
from sim.markets import CHANNELS
from sim.population import FUNCTIONAL, INTERSECTORAL, UPGRADE_TYPES

if TYPE_CHECKING:
    from sim.model import ValueChainModel


def _row(name: str, doc: str, cast=float):
    """A property reading and writing this MSE's element of population array ``name``."""

    def fget(self):
        return cast(getattr(self.model.population, name)[self.row])

    def fset(self, value):
        getattr(self.model.population, name)[self.row] = value

    return property(fget, fset, doc=doc)


class MSE(Agent):
    """A micro or small enterprise (a producer household): a view onto one population row.

    Its behaviour is in the mechanisms the model runs over all MSEs each month
    (:mod:`sim.valuation`, :mod:`sim.signals`, :mod:`sim.groups`, :mod:`sim.sales`), so
    `step` does nothing here.

    Attributes:
        row: Index of this MSE in the population arrays.

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("baseline", rng=1, n_mse=100)
        >>> model.step()
        >>> mse = model.mses.to_list()[0]   # a view onto row 0 of the population arrays
        >>> mse.unique_id == model.mses.to_list()[0].unique_id, isinstance(mse.upgrades, list)
        (True, True)
    """

    def __init__(self, model: ValueChainModel, row: int):
        super().__init__(model)
        self.row = int(row)

    cash = _row("cash", "Cash on hand (currency units).")
    skill = _row("skill", "Owner's skill in [0, 1].")
    distance = _row("distance", "Effective distance to market in [0, 1].")
    excluded = _row("excluded", "Member of the socially excluded group.", bool)
    ict = _row("ict", "Has ICT access.", bool)
    dependence = _row("dependence", "Household's dependence on the enterprise in [0, 1].")
    capacity = _row("capacity", "Monthly output (units).")
    unit_cost = _row("unit_cost", "Production cost per unit.")
    quality = _row("quality", "Product quality in [0, 1].")
    debt = _row("debt", "Outstanding investment loan.")
    income = _row("income", "This month's operating income.")
    active = _row("active", "Still operating.", bool)
    village = _row("village", "Village index.", int)
    group_id = _row("group", "Producer group id, or -1.", int)

    @property
    def upgrades(self) -> list[str]:
        """Upgrades this MSE has made, by name."""
        bits = int(self.model.population.upgrades[self.row])
        return [name for k, name in enumerate(UPGRADE_TYPES) if bits >> k & 1]

    @property
    def most_advanced_upgrade(self) -> str:
        """The furthest-reaching upgrade made (in the order of UPGRADE_TYPES), or "none"."""
        made = self.upgrades
        return made[-1] if made else "none"

    @property
    def channels(self) -> dict[str, float]:
        """Share of sales in each end-market channel entered."""
        weights = self.model.population.channel_weight[:, self.row]
        return {c: float(w) for c, w in zip(CHANNELS, weights, strict=True) if w > 0}

    @property
    def beliefs(self) -> dict[str, dict[str, float]]:
        """Believed base price and premium per unit of quality, by channel."""
        pop = self.model.population
        return {
            c: {
                "price": float(pop.belief_price[i, self.row]),
                "premium": float(pop.belief_premium[i, self.row]),
            }
            for i, c in enumerate(CHANNELS)
        }

    @property
    def in_group(self) -> bool:
        """Belongs to a producer group."""
        return self.group_id >= 0

    @property
    def buyer(self) -> Agent | None:
        """The agent it sells to: lead firm, MSE broker, intermediary, or None if direct."""
        pop = self.model.population
        if not pop.active[self.row] or pop.has(INTERSECTORAL)[self.row]:
            return None
        if pop.has(FUNCTIONAL)[self.row]:
            return None
        if self.model.links[self.row] == VIA_BROKER:
            broker = int(self.model.brokers[self.row])
            return self.model.mses.select(lambda a: a.row == broker).to_list()[0]
        lead = int(pop.lead_firm[self.row])
        if lead >= 0:
            return self.model.lead_firms[lead]
        return self.model.intermediaries[int(pop.trader[self.row])]


class Intermediary(Agent):
    """A trader or broker serving some villages: buys from MSEs, sells on to end markets.

    The model's intermediaries are the ``n_intermediaries`` of the start. Traders that enter
    later (`sim.traders`, issue 22 item 3) are rivals in an intermediary's catchment, not
    agents of their own: its ``take`` and ``suppliers`` are its catchment's traders'
    together, and ``rivals`` says how many compete with it there.

    Attributes:
        index: Position among the model's intermediaries.

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("baseline", rng=1, n_mse=100)
        >>> len(model.intermediaries) > 0, type(model.intermediaries[0]).__name__
        (True, 'Intermediary')
    """

    def __init__(self, model: ValueChainModel, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def market_power(self) -> float:
        """Market power in [0, 1]; falls as its MSEs bypass it, shared with its rivals."""
        return float(self.model.trader_power[self.index])

    @property
    def rivals(self) -> int:
        """Traders that entered its catchment and compete with it there."""
        return int(self.model.traders.rivals[self.index])

    @property
    def margin(self) -> float:
        """Net margin of it and its rivals last month, as a share of the value they bought."""
        return float(self.model.traders.margin[self.index])

    @property
    def take(self) -> float:
        """What it kept last month: markups and captured premium rent."""
        sales = self.model.last_sales
        return float(sales.intermediary_take[self.index]) if sales is not None else 0.0

    @property
    def operating(self) -> bool:
        """Still trading (it exits when bypassed, and may come back)."""
        return bool(self.model.traders.active[self.index])

    @property
    def suppliers(self) -> int:
        """Active MSEs selling through it."""
        pop = self.model.population
        return int(((pop.trader == self.index) & (self.model.links == 0) & pop.in_chain).sum())


class LeadFirm(Agent):
    """An exporter or processor that sets standards, offers forward contracts and services.

    Attributes:
        index: Position among the model's lead firms.
        standard: Quality a supplier must meet for this firm's forward contract.
        contract: Share of a qualifying supplier's output this firm buys forward.
        capacity: Most suppliers this firm buys from.

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("kenya-avocados", rng=1, n_mse=100)
        >>> len(model.lead_firms) > 0, type(model.lead_firms[0]).__name__
        (True, 'LeadFirm')
    """

    def __init__(self, model: ValueChainModel, index: int):
        super().__init__(model)
        self.index = int(index)
        self.standard = float(model.firms.standard[index])
        self.contract = float(model.firms.contract[index])
        self.capacity = int(model.firms.capacity[index])

    @property
    def power(self) -> float:
        """Its buying power now, that is its offer (1 is a monopsonist's; `sim.supplier_choice`)."""
        return float(self.model.firms.power[self.index])

    @property
    def take(self) -> float:
        """What it kept last month: margin, premium rent and forward-contract gains."""
        sales = self.model.last_sales
        return float(sales.lead_firm_take[self.index]) if sales is not None else 0.0

    @property
    def suppliers(self) -> int:
        """Active MSEs supplying it."""
        pop = self.model.population
        return int(((pop.lead_firm == self.index) & pop.in_chain).sum())


class Buyer(Agent):
    """An end market (one channel): domestic, export or specialty.

    Attributes:
        channel: Channel index into :data:`sim.markets.CHANNELS`.
        name: Channel name.
        standard: Minimum quality accepted.
        volatility: Monthly log-price shock scale at price_volatility = 1.

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("baseline", rng=1, n_mse=100)
        >>> [type(buyer).__name__ for buyer in model.buyers]   # domestic, export, specialty
        ['Buyer', 'Buyer', 'Buyer']
    """

    def __init__(self, model: ValueChainModel, channel: int):
        super().__init__(model)
        self.channel = int(channel)
        self.name = CHANNELS[channel]
        self.standard = float(model.constants[0]["quality_standard"][channel])
        self.volatility = float(model.constants[0]["volatility"][channel])

    @property
    def price(self) -> float:
        """Base price this month."""
        return float(self.model.markets.price[self.channel])

    @property
    def premium(self) -> float:
        """Premium per unit of quality."""
        return float(self.model.markets.premium[self.channel])

    @property
    def payments(self) -> float:
        """What it paid for MSE products last month."""
        sales = self.model.last_sales
        return float(sales.buyer_payments[self.channel]) if sales is not None else 0.0


__all__ = ["MSE", "Buyer", "Intermediary", "LeadFirm"]


class MseViews:
    """Mesa's views of a model's MSEs, made on first use (mixed into the model).

    A run that never reads them (every study) saves their memory, several times the state's
    at 10^7 MSEs. The model reserves their unique ids when it is built (``_first_mse_id``,
    ``entry.mse_ids``), so they are the same either way.
    """

    _mses: AgentSet | None
    entry: Any
    random: Any

    @property
    def mses(self) -> AgentSet:
        """Mesa AgentSet of `MSE` views, one per population row (made on first access)."""
        if self._mses is None:
            views: list[MSE] = []
            for first_id, first_row, rows in self.entry.mse_ids:  # the cohort, then entrants
                views += self._mse_views(first_id, first_row, rows)
            self._mses = AgentSet(views, random=self.random)
        return self._mses

    def add_mse_views(self, first_id: int, first_row: int, rows: int) -> None:
        """Add views of entrants' rows to `mses`, if made (ids reserved by `sim.entry`)."""
        if self._mses is not None:
            for view in self._mse_views(first_id, first_row, rows):
                self._mses.add(view)

    def _mse_views(self, first_id: int, first_row: int, rows: int) -> list[MSE]:
        """`MSE` views of rows ``first_row ..`` with the ids reserved for them."""
        after = self.agent_id_counter  # type: ignore[has-type]
        self.agent_id_counter = first_id
        try:
            made = MSE.create_agents(self, rows, np.arange(first_row, first_row + rows))
        finally:
            self.agent_id_counter = after
        return list(made)

    @property
    def agents(self) -> AgentSet:
        """Mesa's set of all agents, the MSE views included (made on first access)."""
        self._ensure_mses()
        return Model.agents.fget(self)

    @property
    def agents_by_type(self) -> dict[type, AgentSet]:
        """Mesa's agents by class, the MSE views included (made on first access)."""
        self._ensure_mses()
        return Model.agents_by_type.fget(self)

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent classes, `MSE` included (its views made on first access)."""
        self._ensure_mses()
        return Model.agent_types.fget(self)

    def _ensure_mses(self) -> None:
        # Mesa reads these properties while the model is being built, before the population.
        if getattr(self, "_mses", 0) is None:
            self.mses  # noqa: B018 - makes the views
