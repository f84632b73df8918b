"""Benchmarks of the rato_opt optimiser against the formulations and tools a user would use.

Run ``python benchmarks/run.py --quick`` (a minute or two) or ``python benchmarks/run.py``
(the full set, about 40 minutes on a 2-core machine); see ``benchmarks/README.md``.
"""
