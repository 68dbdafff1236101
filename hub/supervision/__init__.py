"""Supervision and evaluation (监督考核): working-time clocks, case logs, indicators (docs/EVALUATION.md)."""
