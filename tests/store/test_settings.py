"""Settings: per-field validation, atomic storage, secrets never echoed, admin password."""

import base64
import os

import pytest
from hypothesis import given, strategies as st

from emeter.store import tomlfile
from emeter.store.settings import FILE, Settings, check_field, check_password
from host.board import HostBoard

from apphelp import ADMIN, claim, wait_for

KEY = "000102030405060708090a0b0c0d0e0f"


def _post(r, body, **headers):
    return r.post("/setup", body, **headers)  # with the admin password


def _stored(board):
    return board.read_file(FILE)


# --- validation, one field at a time -----------------------------------------
@pytest.mark.parametrize("kind,raw,message", [
    ("ssid", b"x" * 33, "at most 32 bytes"),
    ("ssid", "\u00e9".encode("utf-8") * 17, "at most 32 bytes"),  # 34 bytes, 17 characters
    ("ssid", b"\xff\xfe", "not valid UTF-8"),
    ("ssid", b"a\nEMETER_ADMIN = \"", "no control characters"),
    ("wpa", b"short", "8 to 63 characters"),
    ("wpa", b"x" * 64, "8 to 63 characters"),
    ("wpa", "p\u00e4ssword".encode("utf-8"), "printable ASCII only"),
    ("host", b"<b>meter</b>", "letters, digits and inner hyphens only"),
    ("host", b"-emeter", "letters, digits and inner hyphens only"),
    ("host", b"a" * 64, "1 to 63 characters"),
    ("hex16", b"00112233445566778899aabbccddeeff00", "exactly 32 hex digits"),
    ("hex16", b"g0112233445566778899aabbccddeeff", "hex digits 0-9 and a-f only"),
    ("hex16", b"'; DROP TABLE keys; --0123456789", "hex digits 0-9 and a-f only"),
    ("baud", b"300", "one of auto, 2400, 9600, 115200"),
    ("pin", b"IO18; rm -rf", "a pin name like IO18 or GP1"),
    ("ssid", b"x" * 300, "too long"),
])
def test_invalid_values_get_their_own_message(kind, raw, message):
    value, err = check_field(kind, raw)
    assert value is None
    assert err == message


@pytest.mark.parametrize("kind,raw,value", [
    ("ssid", "Caf\u00e9 \"<net>\" \\ 5G".encode("utf-8"), "Caf\u00e9 \"<net>\" \\ 5G"),
    ("host", b"Meter-2", "meter-2"),
    ("hex16", KEY.upper().encode(), KEY),
    ("baud", b"2400", 2400),
    ("baud", b"auto", 0),
    ("parity", b"E", "E"),
    ("bits", b"7", 7),
])
def test_valid_values_are_normalised(kind, raw, value):
    assert check_field(kind, raw) == (value, None)


@given(st.text(max_size=40))
def test_any_text_round_trips_through_the_shared_string_quoting(text):
    # settings.toml strings are written by cosem.jsonw.quote: every JSON escape is TOML's too
    out = tomlfile.rewrite("", [("K", text)], ("K",))
    assert tomlfile.parse(out) == {"K": text}


@given(st.text(max_size=32).filter(lambda s: len(s.encode("utf-8")) <= 32))
def test_any_accepted_ssid_round_trips_through_settings_toml(ssid):
    value, err = check_field("ssid", ssid.encode("utf-8"))
    if err is not None:
        return
    text = tomlfile.rewrite("", [("CIRCUITPY_WIFI_SSID", value), ("X", 1)], ("CIRCUITPY_WIFI_SSID",))
    assert tomlfile.parse(text) == {"CIRCUITPY_WIFI_SSID": ssid, "X": 1}


def test_checkers_are_let_go_once_stored_settings_are_checked(tmp_path):
    import sys
    board = HostBoard(data_dir=str(tmp_path))
    board.write_file_atomic(FILE, b'EMETER_BAUD = 9600\nEMETER_MQTT_PORT = 99999\n')
    s = Settings.load(board)
    assert s["baud"] == 9600 and s.problems == [("mqtt_port", "a port number 1 to 65535")]
    # needed at start and when a form is saved only: not kept in the board's heap
    assert "emeter.store.fieldcheck" not in sys.modules
    assert "emeter.store.feedfields" not in sys.modules


def test_fields_table_and_file_code_are_let_go_once_settings_are_read_or_saved(tmp_path):
    import sys
    from emeter.store import settings
    board = HostBoard(data_dir=str(tmp_path))
    board.write_file_atomic(FILE, b'EMETER_BAUD = 9600\nEMETER_PUSH_URL = "http://u:p@h/x"\n')
    s = Settings.load(board)
    assert s["baud"] == 9600 and s["push_token"] == "u:p"
    s.save(board)
    # the labels, keys and file code are needed by no loop pass: not kept in the board's heap
    for name in ("store.settingsfile", "store.tomlfile", "store.changes", "store.fieldcheck",
                 "textcheck"):
        assert "emeter." + name not in sys.modules, name
    assert "FIELDS" not in vars(settings) and "OWNED" not in vars(settings)
    # ... and still there for whoever asks (the setup form, the checkers)
    from emeter.store.settings import FIELDS
    assert FIELDS[0][0] == "wifi_ssid" and settings.OWNED[0] == "CIRCUITPY_WIFI_SSID"


def test_rewrite_keeps_lines_it_does_not_own():
    old = '# mine\nCIRCUITPY_WEB_API_PASSWORD = "pw"\nEMETER_HOSTNAME = "old"\n'
    new = tomlfile.rewrite(old, [("EMETER_HOSTNAME", "new")], ("EMETER_HOSTNAME",))
    assert new == '# mine\nCIRCUITPY_WEB_API_PASSWORD = "pw"\nEMETER_HOSTNAME = "new"\n'


def test_admin_password_is_stored_as_a_salted_hash():
    h, err = check_field("admin", b"correct horse")
    assert err is None and h.startswith("sha256$") and "correct" not in h
    assert check_password(h, "correct horse")
    assert not check_password(h, "correct hors")
    assert check_field("admin", b"correct horse")[0] != h  # a new salt each time


# --- atomic storage ------------------------------------------------------------
def test_a_crash_between_writing_and_renaming_leaves_the_old_settings(tmp_path, monkeypatch):
    board = HostBoard(str(tmp_path))
    old = Settings({"wifi_ssid": "home", "hostname": "first"})
    old.save(board)
    before = _stored(board)

    def power_cut(src, dst):
        raise OSError("power cut")
    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        Settings({"wifi_ssid": "other", "hostname": "second"}).save(board)
    monkeypatch.undo()
    assert _stored(board) == before
    loaded = Settings.load(HostBoard(str(tmp_path)))
    assert loaded["wifi_ssid"] == "home" and loaded["hostname"] == "first"


def test_a_half_written_new_file_is_ignored(tmp_path):
    board = HostBoard(str(tmp_path))
    Settings({"hostname": "kept"}).save(board)
    with open(os.path.join(str(tmp_path), FILE + ".new"), "wb") as f:
        f.write(b'EMETER_HOSTNAME = "torn')
    assert Settings.load(board)["hostname"] == "kept"


def test_invalid_stored_values_fall_back_to_defaults_and_are_reported(tmp_path):
    board = HostBoard(str(tmp_path))
    board.write_file_atomic(FILE, b'EMETER_KEY = "nothex"\nEMETER_BAUD = 31337\n')
    s = Settings.load(board)
    assert s["key"] == "" and s["baud"] == 115200
    assert [n for n, _ in s.problems] == ["baud", "key"]


# --- /setup over HTTP ------------------------------------------------------------
@pytest.fixture
def setup_app(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    Settings({"wifi_ssid": "home", "wifi_password": "hunter22hunter22", "key": KEY}).save(board)
    return run_app(claim(board)), board


@pytest.mark.parametrize("body,field,message", [
    (b"wifi_ssid=" + b"x" * 33, "wifi_ssid", "at most 32 bytes"),
    (b"wifi_ssid=%ff%fe", "wifi_ssid", "not valid UTF-8"),
    (b"key=zz0102030405060708090a0b0c0d0e0f", "key", "hex digits 0-9 and a-f only"),
    (b"hostname=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "hostname", "letters, digits and inner hyphens only"),
    (b"wifi_ssid=a%0AEMETER_ADMIN+%3D+%22", "wifi_ssid", "no control characters"),
    (b"hostname=ok&baud=115201", "baud", "one of auto, 2400, 9600, 115200"),
])
def test_setup_rejects_bad_input_with_a_message_and_stores_nothing(setup_app, body, field, message):
    r, board = setup_app
    before = _stored(board)
    status, _, page = _post(r, body + b"&wifi_password=newsecret99")
    assert status == 422
    page = page.decode("utf-8")
    assert "Nothing was saved" in page
    label = page.split('<label for="%s">' % field, 1)[1].split("</label>", 1)[0]
    assert message in label
    assert "<script>" not in page
    assert "newsecret99" not in page and "hunter22" not in page and KEY not in page
    assert _stored(board) == before
    assert r.app.restart_at is None


def test_setup_never_echoes_stored_secrets(setup_app):
    r, _ = setup_app
    page = r.get("/setup", password=ADMIN)[2].decode("utf-8")
    assert "hunter22hunter22" not in page and KEY not in page
    assert 'name="clear_key"' in page  # it is set, and can be cleared


def test_setup_saves_valid_input_keeps_empty_secrets_and_restarts(setup_app):
    r, board = setup_app
    status, _, page = _post(r, b"wifi_ssid=home&hostname=Meter-2&baud=2400&parity=E&bits=8"
                               b"&wifi_password=&auth_key=" + KEY.encode())
    assert status == 200 and b"Saved" in page
    s = Settings.load(board)
    assert s["wifi_ssid"] == "home" and s["hostname"] == "meter-2"
    assert s["baud"] == 2400 and s["parity"] == "E"
    assert s["wifi_password"] == "hunter22hunter22"  # empty field, same network: unchanged
    assert s["key"] == KEY and s["auth_key"] == KEY
    assert wait_for(lambda: r.restarted), "no restart after saving"


def test_clear_box_erases_a_secret(setup_app):
    r, board = setup_app
    status, _, _ = _post(r, b"hostname=emeter&clear_key=1")
    assert status == 200
    assert Settings.load(board)["key"] == ""


def test_cross_site_post_is_refused(setup_app):
    r, board = setup_app
    before = _stored(board)
    status, _, _ = _post(r, b"hostname=evil", Origin="http://evil.example")
    assert status == 403
    assert _stored(board) == before


def _basic(pw):
    return "Basic " + base64.b64encode(("admin:" + pw).encode()).decode()


def test_admin_password_protects_setup_once_set(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    s = Settings()
    s.values["admin_password"] = check_field("admin", b"s3cret-admin")[0]
    s.save(board)
    r = run_app(board)
    assert r.get("/setup")[0] == 401
    assert "www-authenticate" in r.get("/setup")[1]
    assert r.post("/setup", b"hostname=x", password=None)[0] == 401
    assert r.get("/setup", headers={"Authorization": _basic("wrong-pass")})[0] == 401
    r.app.web.fails.clear()  # (the wrong password made this address wait: test_web_security)
    status, _, page = r.get("/setup", headers={"Authorization": _basic("s3cret-admin")})
    assert status == 200 and b"s3cret" not in page and b"sha256" not in page
    assert r.get("/data.json")[0] == 200  # readings stay public


def test_saving_moves_the_circuitpython_web_workflow_off_port_80_once(tmp_path):
    board = HostBoard(str(tmp_path))
    Settings({"wifi_ssid": "home"}).save(board)
    assert tomlfile.parse(_stored(board).decode())["CIRCUITPY_WEB_API_PORT"] == 8081
    board.write_file_atomic(FILE, b"CIRCUITPY_WEB_API_PORT = 9000\n")
    Settings({"wifi_ssid": "home"}).save(board)
    stored = tomlfile.parse(_stored(board).decode())
    assert stored["CIRCUITPY_WEB_API_PORT"] == 9000  # the owner's choice stays
    assert stored["CIRCUITPY_WIFI_SSID"] == "home"


def test_setup_form_lets_a_long_valid_push_url_be_typed():
    import re
    from emeter.web import plainpages as pages
    page = pages.setup({"push_url": "http://x/" + "a" * 150}, {})
    m = re.search(r'<input type="text" id="push_url"[^>]*maxlength="(\d+)"', page)
    assert m and int(m.group(1)) >= 200


def test_setup_form_is_in_sections_that_open_on_real_fields():
    from emeter.web import plainpages as pages
    from emeter.store.settings import FIELDS
    names = [f[0] for f in FIELDS]
    assert set(pages.SECTIONS) <= set(names)
    page = pages.setup({}, {})
    titles = [t for t in pages.SECTIONS.values()]
    at = [page.index('<h2 class="section">%s</h2>' % t.replace("&", "&amp;")) for t in titles]
    assert at == sorted(at)  # in the order of the table of fields
    assert page.index("Meter port") < page.index('id="baud"') < page.index("Encrypted meters")


def test_the_shipped_template_loads_without_problems(tmp_path):
    import shutil
    from apphelp import ROOT
    from host.board import HostBoard
    shutil.copy(os.path.join(ROOT, "src", "settings.toml"), str(tmp_path / "settings.toml"))
    s = Settings.load(HostBoard(str(tmp_path)))
    assert s.problems == [] and s["hostname"] == "emeter" and s["baud"] == 115200
