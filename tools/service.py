"""`build.py service --serial DEV [--install]`: host mode as a systemd service.

Prints a unit that runs `build.py run --serial DEV ...` from this checkout's .venv under
a user of its own (systemd's DynamicUser, in the dialout group for the port), with its
data folder in /var/lib/<name>, restarted when it fails. --install writes it to
/etc/systemd/system/<name>.service (as root) and says how to start it. See docs/host.md.
"""

import os
import sys

from tools.cli import ArgumentParser, UserError, port_number

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT_DIR = "/etc/systemd/system"


def parse_args(argv):
    ap = ArgumentParser(prog="build.py service", description=__doc__.split("\n")[0])
    ap.add_argument("--serial", metavar="DEV", required=True,
                    help="the meter's serial device; a stable name from a udev rule is best (docs/host.md)")
    ap.add_argument("--baud", type=int, choices=(300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    ap.add_argument("--parity", choices=("N", "E", "O"))
    ap.add_argument("--bits", type=int, choices=(7, 8))
    ap.add_argument("--port", type=port_number, default=8080, help="HTTP port (default 8080)")
    ap.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    ap.add_argument("--name", default="emeter",
                    help="service, user and data folder name (default emeter: /var/lib/emeter)")
    ap.add_argument("--install", action="store_true",
                    help="write %s/NAME.service instead of printing it (needs root)" % UNIT_DIR)
    a = ap.parse_args(argv)
    if not a.name.replace("-", "").replace("_", "").isalnum():
        ap.error("--name takes letters, digits, '-' and '_'")
    if not a.serial.startswith("/dev/"):
        ap.error("--serial takes a device path such as /dev/ttyUSB0 or /dev/emeter")
    if a.port == 0:
        ap.error("--port 0 would be a new random port at every start: give a fixed one (1-65535)")
    return a


def _quote(arg):
    """One ExecStart word: systemd splits on spaces and expands % specifiers."""
    arg = arg.replace("%", "%%")
    if any(c in arg for c in " \t\"'\\;"):
        return '"%s"' % arg.replace("\\", "\\\\").replace('"', '\\"')
    return arg


def unit(a, python, root=HERE):
    data = "/var/lib/" + a.name
    cmd = [python, os.path.join(root, "build.py"), "run", "--serial", a.serial]
    if a.baud:
        cmd += ["--baud", str(a.baud)]
    if a.parity:
        cmd += ["--parity", a.parity]
    if a.bits:
        cmd += ["--bits", str(a.bits)]
    cmd += ["--port", str(a.port), "--host", a.host, "--data", data]
    lines = [
        "# written by `python3 build.py service` (esp-smart-meter host mode); see docs/host.md",
        "[Unit]",
        "Description=esp-smart-meter host mode: the meter on %s" % a.serial,
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_quote(c) for c in cmd),
        "WorkingDirectory=" + data,
        "Environment=PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1",
        # a user of its own, created by systemd while the service runs; the port's group
        "DynamicUser=yes",
        "User=" + a.name,
        "SupplementaryGroups=dialout",
        "StateDirectory=" + a.name,
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        # an unplugged adapter is handled inside (reopened with backoff); a crash is not
        "Restart=on-failure",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    return "\n".join(lines)


def main(argv):
    a = parse_args(argv)
    from tools.test_all import PY, ensure_venv
    ensure_venv("requirements.txt")  # the service runs from .venv and never installs anything
    text = unit(a, PY)
    if not a.install:
        sys.stdout.write(text)
        return 0
    path = os.path.join(UNIT_DIR, a.name + ".service")
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as e:
        raise UserError("cannot write %s (%s): run it as root (sudo python3 build.py service ... "
                        "--install), or without --install and save the text yourself"
                        % (path, e.strerror or e))
    print("wrote %s; start it now and at every boot with:\n"
          "  sudo systemctl daemon-reload && sudo systemctl enable --now %s\n"
          "and follow it with: journalctl -u %s -f" % (path, a.name, a.name))
    return 0
