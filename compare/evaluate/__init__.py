"""Quality measurements: ``newscompare eval extract|events|align|framing`` on shared data formats.

Each module exposes one function that reads a file or folder in the formats of
``shared/data/README.md`` and returns a dict of metrics (the keys named in DESIGN.md, plus ``n``
and ``seconds``). This package sits at the pipeline's layer: it may use every stage.
"""
