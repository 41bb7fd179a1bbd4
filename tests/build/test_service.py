"""`build.py service`: a systemd unit that runs host mode on a serial port, restarted on failure,
under a user and a data folder of its own."""

import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tools import service  # noqa: E402


def _sections(text):
    out = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = out.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert section is not None and key and _, line
        section[key] = value
    return out


def _unit(*args):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "service"] + list(args),
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_the_unit_runs_host_mode_on_the_port_restarting_on_failure(tmp_path):
    text = _unit("--serial", "/dev/emeter", "--baud", "2400", "--parity", "E", "--port", "8090")
    s = _sections(text)
    svc = s["Service"]
    assert shlex.split(svc["ExecStart"]) == [
        os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "build.py"), "run",
        "--serial", "/dev/emeter", "--baud", "2400", "--parity", "E", "--port", "8090",
        "--host", "0.0.0.0", "--data", "/var/lib/emeter"]
    assert svc["Restart"] == "on-failure"
    assert svc["DynamicUser"] == "yes" and svc["User"] == "emeter"
    assert svc["StateDirectory"] == "emeter" and svc["SupplementaryGroups"] == "dialout"
    assert s["Install"]["WantedBy"] == "multi-user.target"
    if shutil.which("systemd-analyze"):  # where systemd is at hand, it must accept every line
        path = tmp_path / "emeter.service"
        path.write_text(text)
        p = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
        assert p.returncode == 0 and "emeter.service" not in p.stderr, p.stderr


def test_paths_with_spaces_and_percent_signs_stay_one_word():
    a = service.parse_args(["--serial", "/dev/serial/by-id/usb-FTDI 100%-if00", "--name", "meter-2"])
    svc = _sections(service.unit(a, "/opt/my venv/bin/python", "/opt/e meter"))["Service"]
    words = shlex.split(svc["ExecStart"].replace("%%", "%"))
    assert words[:5] == ["/opt/my venv/bin/python", "/opt/e meter/build.py", "run", "--serial",
                         "/dev/serial/by-id/usb-FTDI 100%-if00"]
    assert words[-1] == "/var/lib/meter-2" and svc["User"] == "meter-2"


def test_install_writes_the_unit_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(service, "UNIT_DIR", str(tmp_path))
    assert service.main(["--serial", "/dev/ttyUSB0", "--install"]) == 0
    with open(str(tmp_path / "emeter.service")) as f:
        assert "ExecStart=" in f.read()
    assert "systemctl enable --now emeter" in capsys.readouterr().out
