import os
import sys

# tests import their slow references as `naive`
sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import settings

# CI runs the same examples every time (a red run must be reproducible); locally, explore.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
