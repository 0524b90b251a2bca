"""What a trainer saves: the charts as SVG and the run's data as CSV, with provenance."""

from __future__ import annotations

from sim.ui.app import export, session


def test_saved_data_and_charts_carry_provenance(settings):
    import io
    import xml.etree.ElementTree as ET

    import pandas as pd

    run = session.Run(session.Settings({**settings.scenario, "credit_access": 0.9}, 3, None, 6))
    run.step()
    text = export.run_csv(run)
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# mse_sim_version: ") for line in head)
    assert "# seed: 3 " in text and "# months_run: 1 of 6" in text
    assert '"credit_access": 0.9' in text
    assert any(
        "mse-sim run kenya-avocados --seed 3 --steps 6" in line
        and "--set credit_access=0.9" in line
        for line in head
    )
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table["month"]) == [0, 1] and "share_upgraded" in table
    svg = export.charts_svg(run, "es", before=None)
    root = ET.fromstring(svg)  # a well-formed, stand-alone SVG document
    assert root.tag.endswith("svg") and "Aguacates de Kenia" in svg and "Mes 1 de 6" in svg
