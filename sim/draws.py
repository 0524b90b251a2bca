"""A month's random numbers: every draw of the month at once, in a fixed layout.

`sim.model.ValueChainModel` draws a month's numbers first (:meth:`Draws.draw`), from the
model's generator, before any mechanism runs: one row of uniforms per MSE for each of eight
uses, and a few normals for the prices. From :data:`SEPARATE_DRAWS_MIN` MSEs the rows are
drawn only when the month first reads each (:class:`DrawsWhenRead`), the same numbers.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from sim import markets, variates
from sim.threads import run_at_once

#: Populations from this size on draw each month's per-MSE random numbers array by array.
SEPARATE_DRAWS_MIN = 100_000

#: Draws of a row `DrawsWhenRead.take` draws at a time (8 MB).
TAKE_BLOCK = 1 << 20


class Draws:
    """All of one month's random numbers, drawn at once in a fixed layout.

    Every month draws the same arrays whatever the levers, so two runs with the same seed that
    differ only in levers see the same random numbers (common random numbers): differences
    between them come from the levers, not from luck. Where one draw decides two things, the
    mechanism uses disjoint slices of [0, 1) or the uniform remainder ``u / p`` of an event of
    probability ``p``, so the things stay independent.

    From :data:`SEPARATE_DRAWS_MIN` MSEs on, the eight per-MSE arrays are drawn one by one
    when the month first reads each (:class:`DrawsWhenRead`: the same numbers as one (8, n)
    draw, the generator moved past them at once), so that the month holds only those it is
    using and lets go of each once used (:meth:`release`): at 10^7 MSEs all eight are 640 MB.
    Smaller populations draw them at once, which costs less time.
    """

    __slots__ = (
        "prices",
        "recruit",
        "belief_noise",
        "learn",
        "groups",
        "join",
        "decide",
        "success",
        "transit",
    )
    prices: np.ndarray  # (8,) normals: common, per channel, shifts, second chain
    recruit: np.ndarray  # (n,) lead firms reach or drop MSEs
    belief_noise: np.ndarray  # (n,) zero mean, unit variance
    learn: np.ndarray  # (n,) news of an option
    groups: np.ndarray  # (n,) groups dissolve, members leave
    join: np.ndarray  # (n,) MSEs seek a group
    decide: np.ndarray  # (n,) logit choice among options
    success: np.ndarray  # (n,) an attempted upgrade works
    transit: np.ndarray  # (n,) a direct seller loses goods or cash in transit

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, threads: int = 1) -> Draws:
        """Draw the month's numbers for ``n`` MSEs from ``rng``.

        From :data:`SEPARATE_DRAWS_MIN` MSEs on, with a generator that can be advanced, the
        rows are drawn when read (:class:`DrawsWhenRead`), each in ``threads`` parts at once
        (the same numbers whatever the count).
        """
        if n >= SEPARATE_DRAWS_MIN and type(rng.bit_generator) in _ADVANCEABLE:
            return DrawsWhenRead.draw(rng, n, threads)
        draws = cls()
        rows = [rng.random(n) for _ in range(8)] if n >= SEPARATE_DRAWS_MIN else rng.random((8, n))
        draws.recruit = rows[0]
        draws.belief_noise = _as_drawn("belief_noise", rows[1])
        draws.learn, draws.groups, draws.join = rows[2], rows[3], rows[4]
        draws.decide, draws.success, draws.transit = rows[5], rows[6], rows[7]
        draws.prices = variates.standard_normal(rng, 2 + 2 * markets.N_CHANNELS)
        return draws

    def release(self, *names: str) -> None:
        """Let go of draws the month has used."""
        for name in names:
            delattr(self, name)

    def take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``self.<name>[rows]``: a row's draws of some MSEs (a new array).

        `DrawsWhenRead` draws them a stretch of the row at a time, so that the whole row
        is never held (memory): the same numbers.
        """
        return getattr(self, name)[rows]

    def forget(self, name: str) -> None:
        """Let go of a row that will be read again: `DrawsWhenRead` draws it again then.

        (The same numbers; rows drawn at once are kept.)
        """


#: The per-MSE rows of a month's draws, in the order they are drawn.
_ROWS = ("recruit", "belief_noise", "learn", "groups", "join", "decide", "success", "transit")

#: Bit generators whose ``advance(k)`` moves them past exactly k uniform doubles (one 64-bit
#: output each), as drawing them would.
_ADVANCEABLE = (np.random.PCG64, np.random.PCG64DXSM)


def _as_drawn(name: str, uniforms: np.ndarray) -> np.ndarray:
    """A row of uniforms as the month uses it: the belief noise centred, unit variance."""
    return (uniforms - 0.5) * np.sqrt(12.0) if name == "belief_noise" else uniforms


class DrawsWhenRead(Draws):
    """A month's draws whose per-MSE rows are drawn when first read (large populations).

    The generator is moved past the eight rows at once (``advance``), as drawing them would,
    and draws the prices after them; a row read later is drawn from a copy of the generator
    as it was, moved to that row's start. So every number is the one :class:`Draws` draws,
    and the generator ends where it would. A released row is gone, not drawn again.

    On several threads a row is drawn in as many parts at once, each from its own copy of the
    generator moved to the part's start (numpy's draws release the interpreter lock): the
    same numbers again, since every part is exactly its stretch of the stream.
    """

    __slots__ = ("_start", "_n", "_released", "_threads")
    _start: dict[str, Any]  # the generator's state before the rows
    _n: int
    _released: set[str]
    _threads: int

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int, threads: int = 1) -> Draws:
        """Move ``rng`` past the month's rows and draw the prices; the rows wait to be read."""
        draws = cls()
        bits: Any = rng.bit_generator  # a PCG64 or PCG64DXSM (`_ADVANCEABLE`)
        draws._start, draws._n, draws._released = dict(bits.state), n, set()
        draws._threads = max(1, int(threads))
        bits.advance(len(_ROWS) * n)
        # `advance` drops a buffered 32-bit half; drawing doubles would have kept it.
        moved = dict(bits.state)
        moved["has_uint32"] = draws._start["has_uint32"]
        moved["uinteger"] = draws._start["uinteger"]
        bits.state = moved
        draws.prices = variates.standard_normal(rng, 2 + 2 * markets.N_CHANNELS)
        return draws

    def __getattr__(self, name: str) -> np.ndarray:
        # Called only for a row not drawn yet (or released, or no row at all).
        if name not in _ROWS or name in self._released:
            raise AttributeError(name)
        n = self._n
        values = np.empty(n)
        first = _ROWS.index(name) * n
        # Parts of the row, each drawn from the generator moved to its start.
        bounds = np.linspace(0, n, self._threads + 1).astype(np.int64)
        run_at_once(
            [
                partial(self._draw_part, name, values[a:b], first + int(a))
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            ]
        )
        setattr(self, name, values)
        return values

    def _draw_part(self, name: str, out: np.ndarray, skip: int) -> None:
        """Draw ``out`` as the uniforms that follow the first ``skip`` after the rows' start."""
        start = self._start
        bits: Any = getattr(np.random, str(start["bit_generator"]))(0)
        bits.state = start
        bits.advance(skip)
        np.random.Generator(bits).random(out=out)
        if name == "belief_noise":  # in place, as `_as_drawn` computes it
            np.subtract(out, 0.5, out=out)
            np.multiply(out, np.sqrt(12.0), out=out)

    def release(self, *names: str) -> None:
        """Let go of draws the month has used (a row never read is simply not drawn)."""
        for name in names:
            self._released.add(name)
            if _drawn(self, name):
                delattr(self, name)

    def take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``self.<name>[rows]`` (``rows`` ascending), the row drawn a stretch at a time.

        Each stretch of :data:`TAKE_BLOCK` draws between the first and last of ``rows`` is
        drawn from the generator moved to its start, as `__getattr__` draws a part, and
        only the MSEs of ``rows`` are kept: the whole row is never held (memory).
        """
        whole = _drawn(self, name) or name not in _ROWS or name in self._released
        if whole or name == "belief_noise":  # drawn (or set) already, or an error
            return getattr(self, name)[rows]
        out = np.empty(rows.size)
        if rows.size == 0:
            return out
        first = _ROWS.index(name) * self._n
        stretch = np.empty(min(TAKE_BLOCK, self._n))
        lo, done = int(rows[0]), 0
        while done < rows.size:
            hi = min(lo + TAKE_BLOCK, self._n)
            part = stretch[: hi - lo]
            self._draw_part(name, part, first + lo)
            stop = done + int(np.searchsorted(rows[done:], hi))
            out[done:stop] = part[rows[done:stop] - lo]
            done = stop
            if done < rows.size:
                lo = int(rows[done])
        return out

    def forget(self, name: str) -> None:
        """Let go of a row that will be read again: it is drawn again then, the same numbers.

        A row set from outside, longer than the drawn rows (entrants' draws appended,
        `sim.entry.month_draws`), is kept: it could not be drawn again.
        """
        if _drawn(self, name) and object.__getattribute__(self, name).size == self._n:
            delattr(self, name)


def _drawn(draws: Draws, name: str) -> bool:
    """Whether a slot of ``draws`` holds its row (without drawing it)."""
    try:
        object.__getattribute__(draws, name)
    except AttributeError:
        return False
    return True
