"""Client-side benchmarks of langchain-gpt52 against the loopback provider emulator.

Run ``python benchmarks/run.py`` (``--quick`` for a smoke run); see ``benchmarks/README.md``.
"""
