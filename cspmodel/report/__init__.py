"""The report layer, one module per concern: ``source`` (a scenario file or a batch folder,
simulated again), ``content`` (what every view says: figures as text, assumptions, defaults),
``page`` (the report page), ``slides`` (reveal.js), ``deck`` (PowerPoint, native charts),
``workbook`` (Excel with formulas) and ``writing`` (one file written in one step). The pages
come from the Jinja2 templates in ``cspmodel/templates``; :mod:`cspmodel.present` is the
``cspmodel report`` command.
"""
