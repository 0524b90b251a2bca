"""``python -m sim``: the same as the ``mse-sim`` command."""

import sys

from sim.cli import main

sys.exit(main())
