"""Every folder under tests/ that holds test_*.py files is collected by a bare `pytest`
(what `build.py test` and CI run); pytest's default norecursedirs skips folders named
`build`, which once left tests/build out of CI."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")
SKIP = {"node_modules", "__pycache__", ".hypothesis", "artifacts"}


def _folders_on_disk():
    found = set()
    for dirpath, dirnames, filenames in os.walk(TESTS):
        dirnames[:] = [d for d in dirnames if d not in SKIP and not d.startswith(".")]
        if any(f.startswith("test_") and f.endswith(".py") for f in filenames):
            found.add(os.path.relpath(dirpath, ROOT).replace(os.sep, "/"))
    return found


def _folders_collected():
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    found = set()
    for line in out.stdout.splitlines():
        path = line.split("::")[0]
        if "::" in line and path.endswith(".py"):
            found.add(os.path.dirname(path))
    return found


def test_every_test_folder_is_collected():
    on_disk = _folders_on_disk()
    assert "tests/build" in on_disk
    assert _folders_collected() == on_disk


def test_a_run_without_the_shared_folder_says_where_it_comes_from(tmp_path):
    # a checkout with no ../shared beside it: the code linked in, tests/conftest.py copied
    root = tmp_path / "checkout"
    (root / "tests").mkdir(parents=True)
    for name in ("src", "host", "tools"):
        os.symlink(os.path.join(ROOT, name), str(root / name))
    for name in ("support", "cosem"):
        os.symlink(os.path.join(TESTS, name), str(root / "tests" / name))
    with open(os.path.join(TESTS, "conftest.py")) as f:
        (root / "tests" / "conftest.py").write_text(f.read())
    (root / "tests" / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_nothing.py"],
                         cwd=str(root), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [ln for ln in out.stderr.splitlines() if "shared" in ln]
    assert len(lines) == 1 and "../shared/corpus" in lines[0] and "beside this checkout" in lines[0]
