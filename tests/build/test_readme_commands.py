"""The README's command table is a contract: every command build.py has is a row, and every
option a command takes (as its --help shows) is in that row."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import build  # noqa: E402


def _rows():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    table = text[text.index("## Commands"):]
    rows = {}
    for line in table.splitlines():
        m = re.match(r"\| `python3 build\.py (\w+)([^`]*)`", line)
        if m:
            rows[m.group(1)] = m.group(2)
        elif rows and not line.startswith("|"):
            break
    return rows


def _options(command):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), command, "--help"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", p.stdout)) - {"--help"}


def test_every_command_and_option_is_in_the_table():
    rows = _rows()
    assert set(rows) == set(build.COMMANDS)
    for command in build.COMMANDS:
        if command == "test":  # its arguments are pytest's
            continue
        missing = [o for o in sorted(_options(command)) if o not in rows[command]]
        assert not missing, (command, missing)
    assert "--parity N\\|E\\|O" in rows["run"] and "--parity N\\|E\\|O" in rows["service"]
