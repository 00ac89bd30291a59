"""coilsim benchmarks: accuracy against exact references and performance against peers.

Shipped inside the wheel as ``coilsim.benchmarks``; from a checkout ``python -m benchmarks``.
"""
