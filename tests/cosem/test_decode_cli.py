"""`python build.py decode` is a contract: one JSON line per message or rejected frame."""

import json
import os
import subprocess
import sys

import corpus
from apphelp import seed_log

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


def test_the_seed_firmwares_log_txt_decodes_each_entry(tmp_path):
    a = corpus.capture("hdlc-aidon-6525-list1-1.hex")
    b = corpus.capture("hdlc-kaifa-ma304-list1-1.hex")
    assert b"\x00" in a and b"\x00" in b
    p = tmp_path / "log.txt"
    p.write_text(seed_log(a) + seed_log(b), newline="")
    rc, lines, err = run(str(p))
    assert rc == 0 and err == ""
    assert [d["readings"]["1-0:1.7.0"]["value"] for d in lines] == [1661, 5502]


def test_a_seed_log_entry_holding_a_frame_cut_at_both_ends_is_a_rejection(tmp_path):
    """The seed logged what it could not read; such a block must say why, not stay silent."""
    frame = corpus.capture("hdlc-aidon-6534-list3-1.hex")
    p = tmp_path / "log.txt"
    p.write_text(seed_log(frame[40:-12]), newline="")
    rc, lines, err = run(str(p))
    assert rc == 1 and len(lines) >= 1 and err == ""
    assert all(d.get("reason") and d.get("error") for d in lines)


def test_seed_and_own_log_entries_mix(tmp_path):
    from cosem import decode
    bad = corpus.capture("hdlc-kamstrup-6841131-list1-badfcs-1.hex")
    own = [i for i in decode(bad) if not i.ok][0].log_entry("2026-11-24T10:00:00Z")
    p = tmp_path / "log.txt"
    p.write_text(own + seed_log(corpus.capture("hdlc-aidon-6525-list1-1.hex")), newline="")
    rc, lines, _ = run(str(p))
    assert rc == 1 and lines[0]["reason"] == "fcs" and lines[1]["readings"]["1-0:1.7.0"]["value"] == 1661


def test_input_that_gives_nothing_says_so_on_stderr(tmp_path):
    cases = {"empty.hex": b"", "text.txt": b"just some words\n", "nolog.txt": b"--- Start ---\n---  End  ---\n",
             "idle.bin": b"\x00" * 40}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        rc, lines, err = run(str(p))
        assert rc == 1 and lines == [], name
        assert len(err.splitlines()) == 1 and name in err and "Traceback" not in err, name
    rc, lines, err = run("-", stdin=b"")
    assert rc == 1 and lines == [] and "standard input" in err
