"""``python -m benchmarks [--perf] [--quick] [--neuron] [--out DIR]`` from a checkout
(``python -m coilsim.benchmarks`` from an installed package): the accuracy suite, and with
``--perf`` the performance suite. Exit status 1 if any case FAILs."""
import sys

from .suite import main

sys.exit(main(sys.argv[1:], prog="python -m benchmarks"))
