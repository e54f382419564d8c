"""Benchmarks that print numbers; never run as timed tests."""
