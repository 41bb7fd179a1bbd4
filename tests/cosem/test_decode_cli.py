"""`python build.py decode` is a contract: one JSON line per message or rejected frame."""

import json
import os
import subprocess
import sys

import corpus

ROOT = corpus.ROOT


def run(*args, stdin=None):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "decode"] + list(args),
                       capture_output=True, input=stdin, cwd=ROOT)
    return p.returncode, [json.loads(line) for line in p.stdout.decode().splitlines()], p.stderr.decode()


def test_messages_and_rejections_in_stream_order_with_exit_status():
    good = os.path.join(corpus.CORPUS, "hdlc-aidon-se-list-1.hex")
    bad = os.path.join(corpus.CORPUS, "hdlc-aidon-6534-list3-badfcs-1.hex")
    rc, lines, _ = run(good, bad, good)
    assert rc == 1
    assert ["error" in d for d in lines] == [False, True, False]
    assert lines[0]["readings"]["1-0:32.7.0"] == {"value": 234.8, "unit": "V", "name": "Voltage L1"}
    assert lines[1]["reason"] == "fcs"
    rc, lines, _ = run(good)
    assert rc == 0 and len(lines) == 1


def test_keys_are_taken_and_checked():
    f = os.path.join(corpus.CORPUS, "hdlc-landisgyr-e450-at-enc-1.hex")
    exp = json.loads(corpus.expected_text("hdlc-landisgyr-e450-at-enc-1.hex"))
    rc, lines, _ = run("--key", exp["key"], "--auth-key", exp["auth_key"], f)
    assert rc == 0 and lines[0]["readings"]["1-0:1.8.0"]["value"] == 31358606
    rc, lines, _ = run("--key", exp["key"], "--auth-key", "00" * 16, f)
    assert rc == 1 and lines[0]["reason"] == "auth"
    rc, lines, err = run("--key", "nothex", f)
    assert rc == 2 and "32 hex digits" in err


def test_hex_text_with_separators_and_prefixes(tmp_path):
    data = corpus.capture("hdlc-aidon-6525-list1-1.hex")
    p = tmp_path / "pasted.txt"
    p.write_text(", ".join("0x%02X" % b for b in data))
    rc, lines, _ = run(str(p))
    assert rc == 0 and lines[0]["readings"]["1-0:1.7.0"]["value"] == 1661


def test_raw_binary_and_telegram_and_stdin(tmp_path):
    p = tmp_path / "raw.bin"
    p.write_bytes(corpus.capture("hdlc-kaifa-ma304-list1-1.hex"))
    rc, lines, _ = run(str(p))
    assert rc == 0 and lines[0]["readings"]["1-0:1.7.0"]["value"] == 5502
    rc, lines, _ = run("-", stdin=corpus.read("dsmr-v5-nl-iskra-mt382-1.txt"))
    assert rc == 0 and lines[0]["format"] == "dsmr"


def test_a_pasted_log_dump_decodes_each_entry(tmp_path):
    from cosem import decode
    bad = corpus.capture("hdlc-kamstrup-6841131-list1-badfcs-1.hex")
    entry = [i for i in decode(bad) if not i.ok][0].log_entry("2026-11-24T10:00:00Z")
    good = corpus.capture("hdlc-aidon-6525-list1-1.hex")
    p = tmp_path / "log.txt"
    p.write_text(entry + "--- Start --- hand-made\n" + good.hex() + "\n--- End ---\n")
    rc, lines, _ = run(str(p))
    assert rc == 1 and lines[0]["reason"] == "fcs" and lines[1]["readings"]["1-0:1.7.0"]["value"] == 1661


def test_unreadable_file_is_an_error_line():
    rc, lines, _ = run("/nonexistent/capture.hex")
    assert rc == 1 and "cannot read" in lines[0]["error"]
