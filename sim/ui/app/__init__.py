"""The trainer's browser app (needs the ``app`` extra).

Modules: ``models`` (what the page shows), ``drawing`` (the value-chain picture), ``page`` (the
Solara page), ``assets`` (front-end files from npm for offline machines).
"""
