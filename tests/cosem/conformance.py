"""Corpus conformance: does a capture decode to its .expected.json?

Runs unchanged on CPython (tests/cosem/test_conformance.py) and inside the
MicroPython VM (tests/mpy/vm_conformance.py), so it uses only what both have:
json, no f-strings, no Decimal. Numbers are compared within half a unit of the
decoded value's last digit; the CPython test also compares the decimal text exactly.
"""

import json

from cosem import decode
from cosem.number import Dec

def capture_bytes(name, data):
    """The bytes of a capture file: .hex files hold hex text."""
    if name.endswith(".hex"):
        text = data.decode() if isinstance(data, (bytes, bytearray)) else data
        return bytes.fromhex("".join(text.split()))
    return bytes(data)


def as_number(v):
    if isinstance(v, Dec):
        return v.m * (10.0 ** v.e), v.e
    if isinstance(v, bool):
        return None, 0
    if isinstance(v, (int, float)):
        return v, 0
    return None, 0


def close(ours, expected):
    n, e = as_number(ours)
    if n is None or isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return False
    tol = 0.5 * (10.0 ** e) if e < 0 else 0.5
    return abs(n - expected) <= tol


def check_value(ours, entry, problems, where):
    if "value" in entry and entry["value"] is not None:
        exp = entry["value"]
    elif isinstance(entry.get("raw"), int):
        exp = entry["raw"]  # a register nobody scaled: the raw number itself
    else:
        return
    if isinstance(exp, str):
        if not isinstance(ours, str) or ours != exp:
            problems.append("%s: value %r, expected %r" % (where, ours, exp))
    elif isinstance(exp, bool):
        if ours is not exp:
            problems.append("%s: value %r, expected %r" % (where, ours, exp))
    elif not close(ours, exp):
        problems.append("%s: value %s, expected %r" % (where, ours, exp))


def check_file(name, data, expected_text):
    """-> list of problems (empty: the capture conforms)."""
    base = name
    for ext in (".hex", ".txt"):
        if base.endswith(ext):
            base = base[:-4]
    exp = json.loads(expected_text)
    raw = capture_bytes(name, data)
    items = decode(raw, exp.get("key"), exp.get("auth_key"))
    msgs = [i for i in items if i.ok]
    fails = [i for i in items if not i.ok]
    problems = []
    if "error" in exp:
        if msgs:
            problems.append("must be rejected (%s) but gave %d message(s)" % (exp["error"], len(msgs)))
        if not fails:
            problems.append("must be rejected (%s) but no failure was reported" % exp["error"])
        for f in fails:
            if not f.reason or not f.text:
                problems.append("failure without a reason")
        return problems
    obis = exp.get("obis") or {}
    if not obis and not exp.get("unmapped_values"):
        # framing-only captures (one block of a transfer): no readings may come out
        for m in msgs:
            if m.readings:
                problems.append("a lone block gave readings")
        return problems
    if len(msgs) != 1:
        problems.append("expected one message, got %d (failures: %s)"
                        % (len(msgs), ", ".join([f.reason + ": " + f.text for f in fails])))
        if not msgs:
            return problems
    for f in fails:
        problems.append("unexpected failure %s: %s" % (f.reason, f.text))
    msg = msgs[0]
    for code in obis:
        entry = obis[code]
        r = msg.reading(code)
        where = base + " " + code
        if r is None:
            problems.append("%s: missing" % where)
            continue
        if isinstance(entry, dict):
            check_value(r.value, entry, problems, where)
            if (entry.get("unit") or None) != r.unit and not (entry.get("unit") is None and "value" not in entry):
                problems.append("%s: unit %r, expected %r" % (where, r.unit, entry.get("unit")))
            extra = r.extra or {}
            if "timestamp" in entry and extra.get("timestamp") != entry["timestamp"] \
                    and not (code.endswith(":1.0.0") and r.value == entry["timestamp"]):
                problems.append("%s: timestamp %r, expected %r" % (where, extra.get("timestamp"),
                                                                  entry["timestamp"]))
            if "entries" in entry:
                got = extra.get("entries") or []
                if len(got) != len(entry["entries"]):
                    problems.append("%s: %d log entries, expected %d" % (where, len(got),
                                                                         len(entry["entries"])))
    for u in exp.get("unmapped_values") or []:
        if "index" not in u:
            continue
        got = None
        for x in msg.unmapped:
            if x["index"] == u["index"]:
                got = x
        if got is None:
            problems.append("%s: unmapped value %d missing" % (base, u["index"]))
            continue
        want = u.get("raw", u.get("raw_hex"))
        value = got["value"]
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
            value = value[0]["value"]  # the expected files flatten one-element arrays
        if value != want:
            problems.append("%s: unmapped %d is %r, expected %r" % (base, u["index"], value, want))
    if exp.get("timestamp") and msg.timestamp != exp["timestamp"]:
        problems.append("%s: timestamp %r, expected %r" % (base, msg.timestamp, exp["timestamp"]))
    mid = exp.get("meter_id")
    # (hdlc-landisgyr-e350-no-list2-1: the corrections unpadded its 0-0:96.1.0 value, but its
    # meter_id field still carries the NUL padding; readers report the id without it)
    if mid and msg.meter.get("id") != str(mid).rstrip("\x00"):
        problems.append("%s: meter id %r, expected %r" % (base, msg.meter.get("id"), mid))
    return problems
