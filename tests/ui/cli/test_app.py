"""``mse-sim app``: bad port, busy port, language and horizon are exit 2; the help."""

from __future__ import annotations

import socket

import pytest

from sim.ui.cli import main

# the command checks its extra first: without it every call is exit 2 for that reason
pytest.importorskip("solara")


def test_cli_rejects_bad_port_busy_port_language_and_horizon(capsys):
    assert main(["app", "--port", "0"]) == 2
    assert "1 to 65535" in capsys.readouterr().err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
        assert "cannot listen" in capsys.readouterr().err
    assert main(["app", "--lang", "de"]) == 2
    assert main(["app", "--months", "0", "--port", "1"]) == 2


def test_cli_help_names_the_default_host(capsys):
    assert main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "--lang" in out and "--months" in out
