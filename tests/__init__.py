"""Tandem's test suite: tests mirror the modules; shared fixtures in conftest.py and helpers.py."""
