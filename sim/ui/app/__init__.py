"""The trainer's browser app (needs the ``app`` extra).

Modules: ``session`` (a run or a guideline's two arms, stepped to a horizon), ``charts`` (SVG
line charts), ``chain`` (the value-chain picture as SVG), ``page`` (the Solara page and its
play loop; imports solara), ``assets`` (front-end files from npm for offline machines).
"""
