import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for p in (HERE, os.path.join(TESTS, "feeds"), os.path.join(TESTS, "app")):
    if p not in sys.path:
        sys.path.insert(0, p)
