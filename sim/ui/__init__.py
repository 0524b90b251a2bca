"""What people touch: the ``mse-sim`` command, the HTML report, figures, words and the app.

The user interface draws and words what the studies (:mod:`sim.experiments`,
:mod:`sim.sweeps`) return; nothing below it imports it.
"""
