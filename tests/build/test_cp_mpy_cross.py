"""CircuitPython's own mpy-cross through circuitpython-build-tools' per-user cache.

Adafruit's download cannot be reached from CI, so a script standing in for the compiler
is placed where circuitpython-build-tools keeps it (the cache is redirected with
XDG_CACHE_HOME; the real user cache is never touched)."""

import os
import subprocess
import sys

import pytest

from test_bundle import fake_compiler
from tools import bundle, mpycompile


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The redirected cache folder; no compiler from the environment; no download."""
    monkeypatch.delenv(mpycompile.ENV_CIRCUITPY, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    calls = []

    def no_download(version, path):
        calls.append(version["name"])
        return "offline (test)"

    monkeypatch.setattr(mpycompile, "_download", no_download)
    folder = tmp_path / "xdg" / "circuitpython-build-tools"
    folder.mkdir(parents=True)
    return Cache(folder, calls)


class Cache:
    def __init__(self, folder, calls):
        self.folder = folder
        self.calls = calls     # CircuitPython lines a download was asked for


def _cached_compiler(cache, tmp_path, magic, name="10.x"):
    made = fake_compiler(tmp_path, magic)
    dest = cache.folder / ("mpy-cross-" + name)
    os.rename(made, str(dest))
    return str(dest)


def _mpys(out):
    found = []
    for dirpath, _, filenames in os.walk(out):
        found += [os.path.join(dirpath, f) for f in filenames if f.endswith(".mpy")]
    return found


def test_compiler_in_the_build_tools_cache_ships_circuitpython_mpy_files(cache, tmp_path):
    path = _cached_compiler(cache, tmp_path, b"C")
    notes = []
    out = str(tmp_path / "CIRCUITPY")
    bundle.build("circuitpython", out_dir=out, log=notes.append)
    mpys = _mpys(out)
    assert os.path.join(out, "lib", "cosem", "stream.mpy") in mpys
    assert os.path.join(out, "lib", "adafruit_ticks.mpy") in mpys
    for f in mpys:
        with open(f, "rb") as fh:
            assert fh.read(2) == b"C\x06", f
    assert path in notes[0] and "10.x" in notes[0]
    assert cache.calls == []  # found in the cache: nothing downloaded


def test_circuitpython_version_picks_that_lines_compiler(cache, tmp_path):
    _cached_compiler(cache, tmp_path, b"C", "9.x")
    notes = []
    bundle.build("circuitpython", out_dir=str(tmp_path / "CIRCUITPY"), log=notes.append,
                 circuitpython="9.2.9")
    assert "mpy-cross-9.x" in notes[0]
    assert _mpys(str(tmp_path / "CIRCUITPY"))


def test_cached_compiler_writing_micropython_files_is_refused_in_one_line(cache, tmp_path, capsys):
    path = _cached_compiler(cache, tmp_path, b"M")
    out = tmp_path / "CIRCUITPY"
    rc = bundle.main(["--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.count("\n") == 1 and err.startswith("build failed: ")
    assert "MicroPython" in err and "refusing" in err and path in err
    assert not out.exists()


def test_without_any_compiler_one_line_says_so_and_sources_ship(cache, tmp_path, capsys):
    out = tmp_path / "CIRCUITPY"
    rc = bundle.main(["--out", str(out)])
    stdout = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert stdout[0].startswith("no CircuitPython 10.x mpy-cross") and "shipping .py" in stdout[0]
    assert "offline (test)" in stdout[0]
    assert not stdout[1].startswith(" ")  # the size table follows: the note is one line
    assert cache.calls == ["10.x"]
    assert (out / "lib" / "cosem" / "stream.py").exists() and not _mpys(str(out))


def test_unknown_circuitpython_version_is_one_line(cache, tmp_path, capsys):
    rc = bundle.main(["--circuitpython", "7", "--out", str(tmp_path / "CIRCUITPY")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "10.x" in err, err


def test_failed_download_never_starts_a_source_build(tmp_path, monkeypatch):
    # Offline, circuitpython-build-tools would go on to `git clone` CircuitPython and make
    # it; the download step alone must run, fail, and say why.
    import requests
    from circuitpython_build_tools import target_versions

    started = []
    real = {name: getattr(subprocess, name) for name in ("check_call", "check_output", "run", "Popen")}

    def watched(name):
        def call(cmd, *a, **kw):
            words = cmd if isinstance(cmd, (list, tuple)) else str(cmd).split()
            started.append(str(words[0]))
            if os.path.basename(str(words[0])) in ("git", "make", sys.executable):
                raise AssertionError("a source build was started: %r" % (cmd,))
            return real[name](cmd, *a, **kw)  # e.g. platform's `uname -p`
        return call

    def offline(url, **kw):
        assert kw.get("timeout"), "a download without a timeout can hang the build"
        raise requests.ConnectionError("no network")

    for name in ("check_call", "check_output", "run", "Popen"):
        monkeypatch.setattr(subprocess, name, watched(name))
    monkeypatch.setattr(requests, "get", offline)
    version = [v for v in target_versions.VERSIONS if v["name"] == "10.x"][0]
    why = mpycompile._download(version, str(tmp_path / "mpy-cross-10.x"))
    assert why == "download from Adafruit failed (ConnectionError)"
    assert not [c for c in started if os.path.basename(c) in ("git", "make")]
    assert os.listdir(str(tmp_path)) == []
