import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (os.path.join(ROOT, "src", "lib"), ROOT, os.path.join(ROOT, "tests", "cosem")):
    if p not in sys.path:
        sys.path.insert(0, p)

SHARED = os.path.join(os.path.dirname(ROOT), "shared")
NO_SHARED = ("%s is missing: the tests read real meter captures from ../shared/corpus, the shared "
             "folder every developer and CI has beside this checkout (see its README); put it "
             "there, or the corpus tests fail" % os.path.join("..", "shared"))


def pytest_configure(config):
    if not os.path.isdir(os.path.join(SHARED, "corpus")):
        sys.stderr.write(NO_SHARED + "\n")
