"""``python -m sim``: the ``mse-sim`` command."""

import sys

from sim.ui.cli import main

sys.exit(main())
