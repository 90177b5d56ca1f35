"""Benchmarks for Tandem, measured beside the reference peers in ../shared/peers.

Run on demand with `python -m bench <scenario> [--quick]`; never part of the test suite.
See docs/performance.md for what each scenario measures and what limits its figures.
"""

__all__ = ()
