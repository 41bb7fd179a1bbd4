"""The setup page's browser checks say exactly what the server says (node runs the page's
validator; no browser).  Every text field of settings.FIELDS, many inputs each."""

import json
import shutil
import subprocess

import pytest

from emeter.web import formrules, www_js
from emeter.store.settings import FIELDS, check_field

SAMPLES = [
    "", " ", "a", "emeter", "Emeter-2", "-emeter", "emeter-", "e" * 63, "e" * 64, "x" * 300,
    "password", "pass", "p" * 63, "p" * 64, "pässwörd1", "tab\there", "ctl\x7fchar", "ssid\x01",
    "Ž" * 16, "Ž" * 17, "IO18", "GP1", "io 18", "A" * 16, "A" * 17,
    "00112233445566778899aabbccddeeff", "00112233445566778899AABBCCDDEEFF",
    "0011 2233 4455 6677 8899 aabb ccdd eeff", "00112233445566778899aabbccddeefg",
    "00112233445566778899aabbccddee", "0", "1", "22", "65535", "65536", " 1883 ", "5", "4",
    "86400", "86401", "12a", "-1", "+5", "192.168.1.10", "broker.local", "host_name",
    "fe80::1", "topic/", "/emeter/", "a b", "home#", "home+x", "//", "t" * 65,
    "http://influx:8086/write", "https://x", "ftp://x", "http://a b", "  http://x  ",
    "u" * 201, "s" * 128, "s" * 129, "\x1cpadded\x1c", "\u00a0 trim \u00a0",
]


def _server(kind, secret, text):
    if secret and text == "":
        return None  # an empty secret keeps the stored one (Settings.updated)
    if kind == "ssid" and text == "":
        return None
    return check_field(kind, text.encode("utf-8"))[1]


def _browser(cases):
    node = shutil.which("node")
    if not node:
        pytest.fail("node is needed (python3 build.py test installs nodejs)")
    program = (www_js.VALIDATE + "\nvar R=" + formrules.rules_json() + ";\nvar C=" + json.dumps(cases)
               + ";\nprocess.stdout.write(JSON.stringify(C.map(function(c){return emCheck(R,c[0],c[1]);})));\n")
    out = subprocess.run([node, "-e", program], capture_output=True, check=True, timeout=60)
    return json.loads(out.stdout)


def test_every_text_field_gets_the_servers_verdict_and_message_in_the_browser():
    fields = formrules.fields()
    cases = [(name, s) for name, _, _ in fields for s in SAMPLES]
    got = _browser(cases)
    kinds = dict((name, (kind, secret)) for name, kind, secret in fields)
    wrong = []
    for (name, s), msg in zip(cases, got):
        want = _server(kinds[name][0], kinds[name][1], s)
        if msg != want:
            wrong.append((name, s, want, msg))
    assert not wrong, wrong[:10]
    assert sum(1 for m in got if m) > len(fields)  # the samples do reject things


def test_every_field_kind_typed_into_a_box_has_browser_rules():
    typed = [f for f in FIELDS if f[2] not in formrules.UNTYPED]
    assert len(formrules.fields()) == len(typed)
    rules = json.loads(formrules.rules_json())
    for name, _, kind, _, secret, _ in typed:
        assert rules["fields"][name] == [kind, 1 if secret else 0]
        assert rules["kinds"][kind], kind


def test_the_page_script_carries_the_rules_of_the_fields_of_today():
    from emeter.web import assets
    js = assets.get(assets.JS_PATH)[0].decode("utf-8")
    assert "var RULES=" + formrules.rules_json() + ";" in js
