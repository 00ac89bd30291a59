import sys

from .biot_savart_perf import main

sys.exit(main(sys.argv[1:]))
