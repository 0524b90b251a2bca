"""The app's play loop: stepping a run month by month while a tab shows it, Pause within a frame.

One thread per playing tab steps the model under a lock that Pause also takes, waits until
the month has been rendered (:func:`wait_for_render`) and shown for as long as the chosen speed
asks, and stops when the tab is closed (:func:`tab_is_gone`), the run reaches its horizon or
Pause is pressed.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable

import solara
import solara.server.kernel_context as kernel_context

from sim.ui.app.address import DEFAULT_SPEED, SPEEDS
from sim.ui.app.session import Run

#: Seconds the play loop leaves between months after a frame is rendered, at the least: time
#: for the server to handle a click (Pause) and send the frame. The model itself needs ~5 ms a
#: month at 1,000 MSEs and drawing a month about 15 ms in Python; the rest of a frame is
#: solara sending it. The chosen speed (:data:`sim.ui.app.address.SPEEDS`) may ask for more.
FRAME_GAP = 0.01


def tab_is_gone(context) -> bool:
    """Return True when the tab of a kernel context was closed or has no live connection."""
    if context is None:
        return False
    if context.closed_event.is_set():
        return True
    status = dict(getattr(context, "page_status", {}))
    return bool(status) and kernel_context.PageStatus.CONNECTED not in status.values()


def wait_for_render(render_context, timeout: float = 5.0) -> None:
    """Wait until no other thread is rendering the page (reacton's render pass).

    Why: a state change made while another thread renders is left to that thread, which
    renders again before it returns. When the play loop's months arrive faster than a render
    pass, the thread that happened to be rendering (the one handling the ▶ click) keeps
    rendering months for the whole run and never gets back to the next click: ❚❚ was then
    ignored until the horizon in about a third of fresh pages. Waiting here lets that render
    pass end with nothing new to do. Only watches the render lock's owner, never takes it.
    """
    if render_context is None:
        return
    me = threading.current_thread()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owner = getattr(render_context, "_lock_thread", None)
        if owner is None or owner is me:
            return
        time.sleep(0.002)


def play_loop(
    run: Run,
    on_month: Callable[[int], None],
    stop: threading.Event,
    context=None,
    gap: float = FRAME_GAP,
    gate: threading.Lock | None = None,
    pace: Callable[[], float] = lambda: 0.0,
) -> str:
    """Step `run` until the horizon, `stop`, or the tab going away; call `on_month` each month.

    Each month is checked, stepped and shown while holding `gate`; a Pause takes `gate` before
    setting `stop`, so no month is stepped or shown after the Pause button says so. After each
    month the loop waits for the page's render to finish (:func:`wait_for_render`), then at
    least `gap` seconds, and until the month has been on screen `pace()` seconds (the speed,
    read each month so a change applies at once). A Pause ends every wait at once.

    Returns:
        Why it ended: ``horizon``, ``stopped`` or ``tab closed``.
    """
    gate = gate or threading.Lock()
    render_context = getattr(context, "app_object", None)
    while True:
        with gate:
            if stop.is_set():
                return "stopped"
            if tab_is_gone(context):
                return "tab closed"
            if not run.step():
                return "horizon"
            shown = time.monotonic()
            on_month(run.month)
        wait_for_render(render_context)
        stop.wait(max(gap, pace() - (time.monotonic() - shown)))


class Player:
    """The page's play loop: a thread stepping one run, started and stopped by the page.

    Attributes:
        seconds_per_month: The speed: the least time a month stays on screen.
    """

    def __init__(self):
        self.gate = threading.Lock()
        self.stop = threading.Event()
        self.stop.set()
        self.seconds_per_month = SPEEDS[DEFAULT_SPEED]

    def pause(self) -> None:
        """Stop the loop after the month it is on; once this returns no month is added."""
        with self.gate:
            self.stop.set()

    def start(
        self, run: Run, month: solara.Reactive[int], playing: solara.Reactive[bool], context
    ) -> Callable[[], None]:
        """Start a loop on `run` (stopping any other); return the function that stops it."""
        self.pause()
        stop = self.stop = threading.Event()

        def loop():
            with context if context is not None else contextlib.nullcontext():
                try:
                    why = play_loop(
                        run,
                        month.set,
                        stop,
                        context,
                        gate=self.gate,
                        pace=lambda: self.seconds_per_month,
                    )
                except Exception as exc:  # noqa: BLE001 - a workshop screen must keep working
                    print(f"mse-sim app: the run stopped: {exc!r}", file=sys.stderr)
                    why = "error"
                if why in ("horizon", "error") and not stop.is_set():
                    playing.set(False)

        threading.Thread(target=loop, name="mse-sim-play", daemon=True).start()
        return stop.set


def use_play(run: Run, playing: solara.Reactive[bool], month: solara.Reactive[int]) -> Player:
    """Run :func:`play_loop` in a thread while `playing` is true; stop it on any change.

    The thread is started by an effect and stopped by the effect's cleanup, which solara runs
    when `playing` or the run changes and when the page closes (tab closed), so no run outlives
    its tab. The loop also checks the tab's connection itself, in case the close is late.
    Returns the :class:`Player`, whose :meth:`Player.pause` the Pause button calls.
    """
    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
    player = solara.use_memo(Player, [])

    def start():
        return player.start(run, month, playing, context) if playing.value else None

    solara.use_effect(start, [playing.value, run])
    return player
