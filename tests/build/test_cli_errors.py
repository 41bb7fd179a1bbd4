"""Every build.py command: a user's mistake is one line on stderr naming the problem and the
fix, exit status 2 for bad arguments and 1 for the rest, and a traceback only with --debug."""

import os
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build.py")
EXAMPLE = os.path.join(ROOT, "examples", "dsmr-v5-nl-iskra-mt382-1.txt")


def build_py(*args, cwd=None, timeout=60):
    return subprocess.run([sys.executable, BUILD] + list(args), capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


def one_line(status, *args, **kw):
    """Run build.py; assert the exit status and a single stderr line without a traceback."""
    if args[:1] == ("run",) and "--port" not in args:  # should it serve after all: loopback, any port
        args += ("--port", "0", "--host", "127.0.0.1")
    p = build_py(*args, **kw)
    lines = p.stderr.strip().splitlines()
    assert "Traceback" not in p.stderr, p.stderr
    assert len(lines) == 1, p.stderr
    assert p.returncode == status, (p.returncode, p.stderr)
    return lines[0]


def test_no_command_and_an_unknown_command_say_what_was_wrong():
    line = one_line(2)
    assert "no command given" in line and "decode, run" in line
    line = one_line(2, "nope")
    assert "unknown command 'nope'" in line and "--help" in line
    assert build_py("--help").returncode == 0


def test_run_without_input_suggests_a_replay_or_a_port(tmp_path):
    line = one_line(2, "run", "--data", str(tmp_path))
    assert "--replay examples/" in line and "--serial" in line


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_run_port_out_of_range(port, tmp_path):
    line = one_line(2, "run", "--replay", EXAMPLE, "--port", port, "--data", str(tmp_path))
    assert "--port" in line and "0-65535" in line


@pytest.mark.parametrize("speed", ["0", "-2", "nan", "inf", "1e305"])
def test_run_speed_out_of_range(speed, tmp_path):
    # an infinite (or overflowing) speed used to serve, printing a caught error every pass
    line = one_line(2, "run", "--replay", EXAMPLE, "--speed", speed, "--data", str(tmp_path), timeout=20)
    assert "--speed" in line and "1000000" in line


def test_run_replay_of_a_missing_file_and_of_a_folder(tmp_path):
    line = one_line(2, "run", "--replay", str(tmp_path / "nothing.hex"), "--data", str(tmp_path))
    assert "nothing.hex: no such file" in line and "--replay examples/" in line
    line = one_line(2, "run", "--replay", str(tmp_path), "--data", str(tmp_path))
    assert "is a folder" in line


def test_run_replay_of_something_that_is_no_capture(tmp_path):
    line = one_line(1, "run", "--replay", os.path.join(ROOT, "README.md"), "--data", str(tmp_path))
    assert "README.md: nothing decodable" in line and "--replay examples/" in line
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "empty" in one_line(1, "run", "--replay", str(empty), "--data", str(tmp_path))


def test_run_on_a_port_in_use(tmp_path):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        line = one_line(1, "run", "--replay", EXAMPLE, "--host", "127.0.0.1", "--port", str(port),
                        "--data", str(tmp_path))
    finally:
        s.close()
    assert "port %d is in use" % port in line and "--port" in line


def test_run_with_a_data_folder_it_cannot_make(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    line = one_line(1, "run", "--replay", EXAMPLE, "--data", str(afile / "data"))
    assert "data folder" in line and "--data DIR" in line


def test_run_serial_on_a_missing_device(tmp_path):
    line = one_line(1, "run", "--serial", str(tmp_path / "ttyUSB9"), "--data", str(tmp_path))
    assert "ttyUSB9 not found" in line and "plug" in line


@pytest.mark.parametrize("command", ["run", "build", "service"])
def test_a_failed_venv_creation_is_one_line(command, tmp_path):
    # The commands that need PyPI packages make .venv first (build too: the board's libraries
    # come from there). A .venv path under a file makes `python -m venv` fail: one line, the fix.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    venv = str(blocker / "venv")
    code = ("import sys; sys.path.insert(0, %r); import build, tools.test_all as t; "
            "t.VENV = %r; t.PY = %r; build.NEEDS[%r] = ('no_such_module_here', build.NEEDS[%r][1]); "
            "sys.exit(build.main(sys.argv[1:]))" % (ROOT, venv, os.path.join(venv, "bin", "python"),
                                                    command, command))
    p = subprocess.run([sys.executable, "-c", code, command], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in p.stderr, p.stderr
    lines = [ln for ln in p.stderr.strip().splitlines() if not ln.startswith("+ ")]
    assert len(lines) == 1 and p.returncode == 1, p.stderr
    assert "venv" in lines[0] and "python3-venv" in lines[0]


def test_build_names_a_fix_that_installs_no_browser():
    sys.path.insert(0, ROOT)
    from tools import bundle
    with pytest.raises(bundle.BuildError) as e:
        bundle.plan(ROOT, [], True)  # no site folder holds the board's libraries
    text = str(e.value)
    assert "requirements.txt" in text and "build.py test" not in text and "\n" not in text


def test_decode_of_an_empty_file_and_a_bad_key(tmp_path):
    empty = tmp_path / "empty.hex"
    empty.write_bytes(b"")
    assert "empty.hex: the file is empty" in one_line(1, "decode", str(empty))
    assert "32 hex digits" in one_line(2, "decode", "--key", "zz", EXAMPLE)
    assert "FILE" in one_line(2, "decode")


def test_build_deploy_bench_service_bad_arguments():
    assert "unknown target" in one_line(2, "build", "--target", "nope")
    assert "unknown argument --frob" in one_line(2, "deploy", "--frob")
    assert "--drive or --ota" in one_line(2, "deploy", "--drive", "x", "--ota", "http://x")
    assert "--rounds" in one_line(2, "bench", "--rounds", "many")
    assert "--serial" in one_line(2, "service")
    assert "give a fixed one" in one_line(2, "service", "--serial", "/dev/ttyUSB0", "--port", "0")
    assert "unknown argument --frob" in one_line(2, "heap", "--frob")


def test_debug_shows_the_traceback(tmp_path):
    p = build_py("run", "--replay", str(tmp_path / "nothing.hex"), "--data", str(tmp_path), "--debug",
                 "--port", "0", "--host", "127.0.0.1")
    assert "Traceback" in p.stderr and "no such file" in p.stderr


def test_a_failed_npm_install_names_the_fix(tmp_path, monkeypatch):
    sys.path.insert(0, ROOT)
    from tools import test_all
    from tools.cli import UserError
    (tmp_path / "tests" / "mpy").mkdir(parents=True)
    (tmp_path / "tests" / "mpy" / "package.json").write_text("{}")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "npm").write_text("#!/bin/sh\nexit 1\n")
    (fake / "npm").chmod(0o755)
    monkeypatch.setattr(test_all, "HERE", str(tmp_path))
    monkeypatch.setenv("PATH", str(fake) + os.pathsep + os.environ["PATH"])
    with pytest.raises(UserError) as e:
        test_all._npm()
    assert "npm exited with status 1" in str(e.value) and "registry.npmjs.org" in str(e.value)


def test_a_venv_made_for_the_tests_serves_host_mode_without_pip(tmp_path, monkeypatch):
    # build.py test installs requirements-dev.txt; run, build and service need requirements.txt,
    # whose pins it holds: no second pip run (none at all on a machine without PyPI)
    sys.path.insert(0, ROOT)
    from tools import test_all
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    with open(os.path.join(ROOT, "requirements-dev.txt")) as f:
        (venv / ".installed-requirements-dev.txt").write_text(f.read())
    monkeypatch.setattr(test_all, "VENV", str(venv))
    monkeypatch.setattr(test_all, "PY", str(venv / "bin" / "python"))
    ran = []
    monkeypatch.setattr(test_all, "_run_quiet", lambda cmd, fix: ran.append(cmd))
    test_all.ensure_venv("requirements.txt")
    assert ran == []
    (venv / ".installed-requirements-dev.txt").write_text("older pins\n")
    test_all.ensure_venv("requirements.txt")
    assert len(ran) == 1 and ran[0][-1].endswith("requirements.txt")
