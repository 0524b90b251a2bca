"""``mse-sim app``: serve the trainer's browser app (needs the ``app`` extra)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys

from sim.errors import UserInputError, check_extra
from sim.ui.app.assets import ensure_assets, uses_vue3
from sim.ui.app.many_runs import prepare_model
from sim.ui.cli.args import port
from sim.ui.i18n import LANGUAGES, check_language

#: Modules of the ``app`` extra the app cannot start without.
APP_MODULES: tuple[str, ...] = ("solara", "ipyvuetify", "ipyvue")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(host: str, port: int) -> None:
    """Check that the app can listen on host:port.

    Raises:
        UserInputError: Port outside 1-65535, or already in use.
    """
    if not 1 <= port <= 65535:
        raise UserInputError(f"--port {port}: must be from 1 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UserInputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); is the app already "
                f"running? Try another port, e.g. --port {port + 1 if port < 65535 else 8765}"
            ) from None


def _cmd_app(args: argparse.Namespace) -> int:
    check_extra(APP_MODULES, "app", "the app")
    check_address(args.host, args.port)
    # solara reads its settings when imported (ensure_assets imports it): no telemetry
    # (offline), no loading badge, the light theme the app is designed for
    for key, value in (
        ("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false"),
        ("SOLARA_THEME_LOADER", "plain"),
        ("SOLARA_THEME_VARIANT", "light"),
        ("SOLARA_THEME_SHOW_BANNER", "false"),
    ):
        os.environ.setdefault(key, value)
    check_language(args.lang)
    if not 1 <= args.months <= 600:
        raise UserInputError(f"--months {args.months}: must be from 1 to 600")
    if uses_vue3():
        print(
            "warning: ipyvue 3 is installed; the app's charts need ipyvue<2 and "
            "ipyvuetify<2 (pip install 'mse-upgrading[app]')",
            file=sys.stderr,
        )
    ensure_assets()  # front-end files from npm, only when missing (offline machines)
    prepare_model()  # the model compiles (after an install) or loads while the server starts
    host_in_url = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host_in_url}:{args.port}/"
    print(f"mse-sim app: open {url} in a browser (Ctrl+C stops it)", flush=True)
    if not _is_loopback(args.host):
        print(
            f"note: listening on {args.host}: other machines on the network can open it", flush=True
        )
    # a tab's state lives in the server until solara culls its session: a closed tab's run
    # stops at once (the page's play loop checks), its memory goes after minutes rather than
    # solara's default of a day
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "5m")
    # the page reads its first language and horizon from these (one server, many tabs)
    os.environ["MSE_SIM_APP_LANG"] = args.lang
    os.environ["MSE_SIM_APP_HORIZON"] = str(args.months)
    from solara.__main__ import main as solara_main  # the app extra, checked above

    argv = [
        "solara",
        "run",
        "sim.ui.app.page",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--log-level",
        "warning",
    ]
    old_argv = sys.argv
    sys.argv = argv
    try:
        solara_main()
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        return 0
    finally:
        sys.argv = old_argv
    return 0


def register(subparsers) -> None:
    """Add the ``app`` subcommand to the ``mse-sim`` command."""
    p = subparsers.add_parser(
        "app",
        help="start the trainer's browser app",
        description="Start the browser app and print its address. It listens on 127.0.0.1 "
        "(this computer only) unless --host says otherwise.",
    )
    p.add_argument("--port", type=port, default=8765, help="port to listen on (default 8765)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 opens it to the network)",
    )
    p.add_argument(
        "--lang",
        default="en",
        choices=tuple(LANGUAGES),
        help="language the app opens in (en, es, fr, pt; each tab can switch)",
    )
    p.add_argument(
        "--months",
        type=int,
        default=120,
        help="months a run lasts before it stops (default 120, ten years)",
    )
    p.set_defaults(func=_cmd_app)
