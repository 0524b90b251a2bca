"""The trainer's browser app (needs the ``app`` extra).

Modules: ``page`` (the Solara page: its state, play controls and address; imports solara),
``panels`` (the charts, the picture and Guideline's card, re-rendered each month), ``drawer``
(the settings drawer: scenario, number fields, levers), ``player`` (the play loop),
``session`` (a run or a guideline's two arms, stepped to a horizon), ``many_runs`` (the model
made ready at start, and the runs behind Guideline's number), ``address`` (the page's state in
its URL), ``texts`` and ``views`` (the page's words, charts and picture as data and HTML),
``charts`` (SVG line charts), ``chain`` (the value-chain picture as SVG), ``export`` (what a
trainer saves), ``assets`` (front-end files from npm for offline machines).
"""
