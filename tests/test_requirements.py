"""requirements.txt (host-mode run time) pins exactly what requirements-dev.txt pins."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pins(name):
    out = {}
    with open(os.path.join(ROOT, name)) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if line:
                dist, _, version = line.partition("==")
                assert version, "%s: %s is not pinned" % (name, line)
                out[dist.lower()] = version
    return out


def test_runtime_pins_match_the_development_pins():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert runtime and set(runtime) <= set(dev)
    assert {d: dev[d] for d in runtime} == runtime
