import os
import sys

# tests import their slow references as `naive`
sys.path.insert(0, os.path.dirname(__file__))
