"""The README's main command: build.py run replaying the bundled capture serves the readings."""

import json
import os
import subprocess
import sys
import time
import urllib.request

from apphelp import ROOT, corpus_path, free_port


def test_bundled_example_is_the_corpus_capture_byte_for_byte():
    with open(os.path.join(ROOT, "examples", "dsmr-v5-nl-iskra-mt382-1.txt"), "rb") as f:
        mine = f.read()
    with open(corpus_path("dsmr-v5-nl-iskra-mt382-1.txt"), "rb") as f:
        assert mine == f.read()


def _readme_command():
    """The README's first command, as a new user types it (from the checkout's folder)."""
    with open(os.path.join(ROOT, "README.md")) as f:
        for line in f:
            if line.strip().startswith("python3 build.py run "):
                return line.split()[1:]
    raise AssertionError("the README has no build.py run command")


def test_build_py_run_replay_serves_data_json(tmp_path):
    port = free_port()
    args = _readme_command()
    assert args[1:3] == ["run", "--replay"] and args[3].startswith("examples/")
    proc = subprocess.Popen(
        [sys.executable] + args + ["--port", str(port), "--host", "127.0.0.1", "--data",
                                   str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        doc = None
        end = time.monotonic() + 30
        while time.monotonic() < end and proc.poll() is None:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/data.json" % port, timeout=5) as r:
                    doc = json.loads(r.read())
                if doc["readings"]:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert doc is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert doc["readings"]["1-0:1.8.1"]["value"] == 4.426
        assert doc["device"]["counters"]["frames_rejected"] == 0
        assert os.path.isdir(str(tmp_path / "data"))
    finally:
        proc.terminate()
        rc = proc.wait(10)
    assert rc == 0  # SIGTERM (a service manager's stop) ends it like Ctrl-C
