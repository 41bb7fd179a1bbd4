"""Locked by default, through real HTTP on loopback: one test per attack that used to work
(claiming, credentials following a changed destination, empty saves, DNS rebinding,
password guessing, the passwordless access point, open feeds, secrets in URLs,
connection resets, HEAD)."""

import base64
import http.client
import http.server
import socket
import struct
import threading
import time

import pytest

from emeter.store.settings import FILE, Settings
from host.board import HostBoard

from apphelp import ADMIN, basic, claim, wait_for
from feedhelp import free_port

MQTT_PW = "mqtt-secret-1"
TOKEN = "push-token-1"


def _stored(board):
    return board.read_file(FILE)


def _next(run_app, r, board):
    """The device after the restart a save asks for: the same board, a new App."""
    assert wait_for(lambda: r.restarted), "no restart after saving"
    r.stop()
    return run_app(board)


# --- 1. claim on first use -------------------------------------------------------------
def test_a_device_as_shipped_saves_nothing_without_an_admin_password(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    r = run_app(board)
    page = r.get("/setup")[2].decode()
    assert page.index("Set an admin password") < page.index('id="wifi_ssid"')  # asked first
    status, _, page = r.post("/setup", b"hostname=pwned&wifi_ssid=evil", password=None)
    assert status == 422 and b"set an admin password first" in page
    assert _stored(board) is None and r.app.restart_at is None


def test_the_first_save_claims_the_device_then_every_change_needs_the_password(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    r = run_app(board)
    status, _, _ = r.post("/setup", b"admin_password=short&hostname=mine", password=None)
    assert status == 422 and _stored(board) is None  # at least 8 characters
    status, _, _ = r.post("/setup", b"admin_password=" + ADMIN.encode() + b"&hostname=mine",
                          password=None)
    assert status == 200
    assert Settings.load(board)["hostname"] == "mine"  # saved with the rest of the form
    r = _next(run_app, r, board)
    before = _stored(board)
    for body in (b"hostname=evil", b"admin_password=attacker-pw"):
        assert r.post("/setup", body, password=None)[0] == 401
    assert r.get("/setup")[0] == 401
    assert _stored(board) == before
    assert r.post("/setup", b"hostname=owner")[0] == 200
    assert Settings.load(board)["hostname"] == "owner"


def test_an_unclaimed_device_on_a_network_is_claimable_only_soon_after_a_start(tmp_path):
    from apphelp import ManualClockBoard
    from emeter.app import App
    from emeter.web.routes import CLAIM_WINDOW_MS
    board = ManualClockBoard(str(tmp_path))
    web = App(board, port=0, host="127.0.0.1").web
    web.poll()
    assert web.claim_until is not None
    board.now += CLAIM_WINDOW_MS
    web.poll()
    assert web.claim_until is None
    board.now += 1 << 29  # the ticks wrap: the window stays shut
    web.poll()
    assert web.claim_until is None
    web.stop()


def test_after_the_claim_window_a_claim_is_refused(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    r = run_app(board)
    r.app.web.claim_until = None  # (as 10 minutes after the start)
    status, _, body = r.post("/setup", b"admin_password=" + ADMIN.encode(), password=None)
    assert status == 403 and b"restart the device" in body
    assert _stored(board) is None
    status, _, body = r.get("/setup")  # not a form whose save would be refused
    assert status == 403 and b"restart the device" in body
    assert r.get("/data.json")[0] == 200  # the readings stay open


class _WatchdogBoard(HostBoard):
    def reset_by_watchdog(self):
        return True


def test_a_watchdog_reset_does_not_reopen_the_claim_window(tmp_path, run_app):
    # a crash or hang someone on the network provokes must not make the device claimable
    board = _WatchdogBoard(str(tmp_path))
    r = run_app(board)
    assert r.app.web.claim_until is None
    status, _, body = r.post("/setup", b"admin_password=" + ADMIN.encode(), password=None)
    assert status == 403 and b"restart the device" in body and _stored(board) is None
    assert r.get("/setup")[0] == 403
    r.stop()
    r = run_app(HostBoard(str(tmp_path)))  # switched off and on
    assert b"Set an admin password" in r.get("/setup")[2]


def test_any_state_changing_route_needs_the_password_and_readings_stay_open(tmp_path, run_app):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    from adafruit_httpserver import DELETE, POST, PUT, Response
    done = []

    def restart(request):  # an endpoint added later, knowing nothing of passwords
        done.append(request.method)
        return Response(request, "ok")
    r.app.web.server.route("/restart", [POST, PUT, DELETE])(restart)
    for method in ("POST", "PUT", "DELETE"):
        assert r.request("/restart", method=method, body=b"")[0] == 401
    assert done == []
    ok = r.request("/restart", method="POST", body=b"", headers={"Authorization": basic()})
    assert ok[0] == 200
    assert done == ["POST"]
    for path in ("/", "/data.json", "/log.txt", "/metrics", "/status.json", "/history.json",
                 "/energy.json"):
        assert r.get(path)[0] == 200, path


def test_protect_readings_too_locks_the_readings(tmp_path, run_app):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    assert r.post("/setup", b"box_protect_readings=1&protect_readings=1")[0] == 200
    r = _next(run_app, r, board)
    for path in ("/", "/data.json", "/log.txt", "/metrics", "/status.json", "/history.json",
                 "/energy.json", "/log"):  # hourly energy tells when someone is home
        assert r.get(path)[0] == 401, path
        assert r.get(path, password=ADMIN)[0] == 200, path


def test_the_protect_readings_label_does_not_promise_less_than_it_locks():
    from emeter.store.settings import FIELDS
    label = [f[5] for f in FIELDS if f[0] == "protect_readings"][0]
    routes = ("/data.json", "/log.txt", "/metrics", "/status.json", "/history.json",
              "/energy.json")  # all of them locked (above): name every one or none
    assert len([p for p in routes if p in label]) in (0, len(routes)), label


def test_an_unclaimed_device_refuses_other_changes(tmp_path, run_app):
    r = run_app(HostBoard(str(tmp_path)))
    from adafruit_httpserver import POST, Response
    r.app.web.server.route("/reset", POST)(lambda request: Response(request, "reset"))
    status, _, body = r.post("/reset", b"", password=None)
    assert status == 403 and b"admin password" in body


# --- 2. secrets follow their destination --------------------------------------------------
class FakeBroker:
    """Accepts MQTT connections and records the user name and password of each CONNECT."""

    def __init__(self, host="127.0.0.1", port=0):
        self.sock = socket.socket()
        self.sock.bind((host, port))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connects = []
        self.stopping = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._client, args=(c,), daemon=True).start()

    def _client(self, c):
        c.settimeout(20)
        try:
            data = b""
            while len(data) < 2 or len(data) < self._end(data):
                chunk = c.recv(4096)
                if not chunk:
                    return
                data += chunk
            self.connects.append(self._credentials(data))
            c.sendall(b"\x20\x02\x00\x00")  # CONNACK, accepted
            while c.recv(4096):
                pass
        except OSError:
            pass
        finally:
            c.close()

    @staticmethod
    def _end(data):
        n, shift, i = 0, 0, 1
        while i < len(data):
            n |= (data[i] & 0x7F) << shift
            shift += 7
            i += 1
            if not data[i - 1] & 0x80:
                return i + n
        return 1 << 30

    @staticmethod
    def _credentials(data):
        i = 1
        while data[i] & 0x80:
            i += 1
        i += 1
        i += 2 + struct.unpack(">H", data[i:i + 2])[0]  # protocol name
        flags = data[i + 1]
        i += 4
        fields = []
        while i < len(data):
            n = struct.unpack(">H", data[i:i + 2])[0]
            fields.append(data[i + 2:i + 2 + n].decode())
            i += 2 + n
        fields = fields[1:]  # the client id
        if flags & 0x04:
            fields = fields[2:]  # will topic and message
        user = fields.pop(0) if flags & 0x80 else None
        password = fields.pop(0) if flags & 0x40 else None
        return user, password

    def close(self):
        self.stopping = True
        self.sock.close()


class Sink:
    """An HTTP server that records the path and the credentials of every request."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                seen.append((self.path, self.headers.get("Authorization"),
                             self.headers.get("X-AUTHKEY")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=["port", "host"])
def brokers(request):
    """Two brokers: the second at another port, or at another address with the same port."""
    a = FakeBroker()
    b = FakeBroker() if request.param == "port" else FakeBroker("127.0.0.2", a.port)
    b.host = "127.0.0.1" if request.param == "port" else "127.0.0.2"
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def sinks():
    a, b = Sink(), Sink()
    yield a, b
    a.close()
    b.close()


def _feed_board(tmp_path, **values):
    from apphelp import replay_board
    board = replay_board(tmp_path, "dsmr-v5-nl-iskra-mt382-1.txt", speed=20)
    Settings(values).save(board)
    return claim(board)


def test_mqtt_credentials_never_follow_a_changed_broker(tmp_path, run_app, brokers):
    a, b = brokers
    board = _feed_board(tmp_path, mqtt_enabled=1, mqtt_host="127.0.0.1", mqtt_port=a.port,
                        mqtt_user="meter", mqtt_password=MQTT_PW)
    r = run_app(board)
    assert wait_for(lambda: a.connects), "the feed never reached the first broker"
    assert a.connects[0] == ("meter", MQTT_PW)
    # someone with the form moves the broker and leaves the password field empty
    move = b"mqtt_host=%s&mqtt_port=%d&mqtt_password=" % (b.host.encode(), b.port)
    status, _, page = r.post("/setup", move)
    assert status == 200 and b"mqtt_password" in page
    r = _next(run_app, r, board)
    s = Settings.load(board)
    assert s["mqtt_password"] == "" and s["mqtt_enabled"] == 0
    assert (s["mqtt_host"], s["mqtt_port"]) == (b.host, b.port)
    time.sleep(3)
    assert b.connects == []  # the feed stays off: nothing, least of all the password, goes there
    # the owner enters the password for the new broker: it goes there, and only there
    assert r.post("/setup", b"box_mqtt_enabled=1&mqtt_enabled=1&mqtt_password=new-pw-2")[0] == 200
    r = _next(run_app, r, board)
    assert wait_for(lambda: b.connects)
    assert b.connects[0] == ("meter", "new-pw-2")
    assert all(pw == MQTT_PW for _, pw in a.connects)


def test_push_token_never_follows_a_changed_url(tmp_path, run_app, sinks):
    a, b = sinks
    board = _feed_board(tmp_path, push_mode="influx", push_interval=5, push_token=TOKEN,
                        push_url="http://127.0.0.1:%d/write?db=meter" % a.port)
    r = run_app(board)
    assert wait_for(lambda: a.seen), "nothing pushed to the first sink"
    assert a.seen[0][1] == "Token " + TOKEN
    url = "http://127.0.0.1:%d/write?db=meter" % b.port
    assert r.post("/setup", b"push_url=" + url.encode())[0] == 200
    r = _next(run_app, r, board)
    s = Settings.load(board)
    assert s["push_token"] == "" and s["push_mode"] == "off"
    time.sleep(2)
    assert b.seen == []
    assert all(auth == "Token " + TOKEN for _, auth, _ in a.seen)


def _on_home_network(tmp_path):
    """A claimed device whose settings name a protected Wi-Fi network."""
    board = claim(HostBoard(str(tmp_path)))
    s = Settings.load(board)
    s.values.update(wifi_ssid="home", wifi_password="hunter22hunter22")
    s.save(board)
    return board


def test_a_new_network_without_its_password_is_refused_not_saved(tmp_path, run_app):
    # a configured device never opens its access point: a name without its password would
    # leave only the button reset
    board = _on_home_network(tmp_path)
    r = run_app(board)
    before = _stored(board)
    for body in (b"wifi_ssid=neighbour", b"wifi_ssid=neighbour&wifi_password=",
                 b"clear_wifi_password=1"):
        status, _, page = r.post("/setup", body)
        assert status == 422, body
        assert b"needs its password, or tick open network" in page
        assert _stored(board) == before and r.app.restart_at is None
    status, _, page = r.post("/setup", b"wifi_ssid=neighbour&wifi_open=1&wifi_password=pass-word-1")
    assert status == 422 and b"an open network has no password" in page
    assert r.post("/setup", b"hostname=meter2")[0] == 200  # the same network: the password stays
    assert Settings.load(board)["wifi_password"] == "hunter22hunter22"


def test_an_open_network_is_saved_without_a_password_when_the_form_says_so(tmp_path, run_app):
    board = _on_home_network(tmp_path)
    r = run_app(board)
    assert b'name="wifi_open"' in r.get("/setup", password=ADMIN)[2]
    assert r.post("/setup", b"wifi_ssid=cafe&wifi_open=1")[0] == 200
    s = Settings.load(board)
    assert s["wifi_ssid"] == "cafe" and s["wifi_password"] == ""


def test_a_first_network_needs_its_password_too():
    s = Settings({"admin_password": "sha256$00$00"})
    new, errors = s.updated({"wifi_ssid": b"home"})
    assert "wifi_password" in errors
    new, errors = s.updated({"wifi_ssid": b"home", "wifi_password": b"other-pass-9"})
    assert errors == {} and new["wifi_password"] == "other-pass-9" and new.cleared == []
    new, errors = s.updated({"wifi_ssid": b""})  # no network: the setup access point again
    assert errors == {}


# --- 8. credentials inside a URL ---------------------------------------------------------
def test_a_password_inside_the_push_url_is_moved_out_and_never_shown(tmp_path, run_app, sinks):
    a, _ = sinks
    board = _feed_board(tmp_path, push_interval=5)
    r = run_app(board)
    url = "http://influx:s3cr3t-influx@127.0.0.1:%d/write?db=meter" % a.port
    assert r.post("/setup", b"push_mode=influx&push_url=" + url.encode())[0] == 200
    r = _next(run_app, r, board)
    page = r.get("/setup", password=ADMIN)[2].decode()
    assert "s3cr3t" not in page and "influx:" not in page
    assert "Push token" in page and 'name="clear_push_token"' in page  # shown as set
    s = Settings.load(board)
    assert s["push_url"] == "http://127.0.0.1:%d/write?db=meter" % a.port
    assert wait_for(lambda: a.seen)
    path, auth, _ = a.seen[0]
    assert path == "/write?db=meter"
    assert auth == "Basic " + base64.b64encode(b"influx:s3cr3t-influx").decode()


def test_a_password_typed_into_the_url_is_not_shown_when_the_form_comes_back(tmp_path, run_app):
    r = run_app(claim(HostBoard(str(tmp_path))))
    url = b"http%3A%2F%2Fme%3Atyped-pw%40influx%3A8086%2Fwrite"
    status, _, page = r.post("/setup", b"baud=300&push_url=" + url)
    assert status == 422 and b"typed-pw" not in page and b"http://influx:8086/write" in page


def test_a_url_with_credentials_stored_by_hand_is_not_shown(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    Settings({"push_mode": "influx",
              "push_url": "http://10.0.0.2:8086/write?db=m&u=admin&p=influxpw"}).save(board)
    r = run_app(claim(board))
    page = r.get("/setup", password=ADMIN)[2]
    assert b"influxpw" not in page and b"u=admin" not in page
    assert b"http://10.0.0.2:8086/write?db=m" in page


# --- 3. partial saves -----------------------------------------------------------------------
@pytest.fixture
def configured(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    Settings({"invert": 1, "raw_enabled": 1, "raw_port": free_port(), "ha_discovery": 1,
              "hostname": "kept"}).save(board)
    return run_app(claim(board)), board


@pytest.mark.parametrize("body,reason", [
    (b"", b"no settings in the request"),
    (b"{\"hostname\": \"x\"}", b"unknown field"),
    (b"hostname=x&evil=1", b"unknown field evil"),
    (b"clear_admin_password=1", b"unknown field"),
])
def test_a_garbage_post_is_refused_with_its_reason_and_changes_nothing(configured, body, reason):
    r, board = configured
    before = _stored(board)
    status, _, page = r.post("/setup", body)
    assert status == 400 and reason in page
    assert _stored(board) == before and r.app.restart_at is None


def test_a_post_changes_only_the_fields_it_carries(configured):
    r, board = configured
    assert r.post("/setup", b"hostname=other")[0] == 200
    s = Settings.load(board)
    assert s["hostname"] == "other"
    assert s["invert"] == 1 and s["raw_enabled"] == 1 and s["ha_discovery"] == 1


def test_a_check_box_is_switched_off_only_with_its_marker(configured):
    r, board = configured
    assert r.post("/setup", b"box_invert=1&box_raw_enabled=1&raw_enabled=1")[0] == 200
    s = Settings.load(board)
    assert s["invert"] == 0 and s["raw_enabled"] == 1 and s["ha_discovery"] == 1


def test_the_setup_form_marks_each_check_box(configured):
    r, _ = configured
    page = r.get("/setup", password=ADMIN)[2].decode()
    for name in ("invert", "raw_enabled", "mqtt_enabled", "protect_readings"):
        assert '<input type="hidden" name="box_%s" value="1">' % name in page


# --- 4. DNS rebinding ------------------------------------------------------------------------
def test_dns_rebinding_is_refused(tmp_path, run_app):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    before = _stored(board)
    evil = "rebind.attacker.example:%d" % r.port
    status, _, body = r.post("/setup", b"hostname=x", Host=evil, Origin="http://" + evil)
    assert status == 403 and b"Host" in body
    assert _stored(board) == before


def test_a_name_the_owner_adds_is_accepted(tmp_path, run_app):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    assert r.post("/setup", b"extra_hosts=meter.home.arpa")[0] == 200
    r = _next(run_app, r, board)
    host = "meter.home.arpa:%d" % r.port
    assert r.post("/setup", b"hostname=y", Host=host, Origin="http://" + host)[0] == 200
    assert Settings.load(board)["hostname"] == "y"


def test_an_added_name_counts_as_the_browser_shows_it_with_port_or_brackets(tmp_path, run_app):
    # the 403 says "add the name you reach this device by": as typed from the address bar
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    names = "Meter.Home.Arpa:%d [fd00::17]" % r.port
    assert r.post("/setup", b"extra_hosts=" + names.replace(":", "%3A").encode())[0] == 200
    r = _next(run_app, r, board)
    for host in ("meter.home.arpa:%d" % r.port, "[fd00::17]:%d" % r.port):
        assert r.post("/setup", b"baud=9600", Host=host)[0] == 200, host
        r = _next(run_app, r, board)


@pytest.mark.parametrize("host", ["emeter.local", "emeter", "localhost", "127.0.0.1"])
def test_the_device_s_own_names_are_accepted(tmp_path, run_app, host):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    assert r.post("/setup", b"baud=9600", Host="%s:%d" % (host, r.port))[0] == 200


# --- 5. throttles -------------------------------------------------------------------------------
def test_password_guessing_is_slowed_down_per_address(tmp_path, run_app, capfd):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    codes = []
    waits = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.5:
        status, headers, _ = r.get("/setup", password="guess-%d" % len(codes))
        codes.append(status)
        if status == 429:
            waits.append(int(headers["retry-after"]))
    assert codes.count(401) <= 3  # guesses actually tried: 1 s, then 2 s apart
    assert len(codes) > 10 and set(codes) == {401, 429}
    assert max(waits) >= 2
    status, _, _ = r.get("/setup", password=ADMIN)
    assert status == 429  # not even the right one is looked at while the address waits
    assert r.app.web.auth_failed == codes.count(401)
    assert "wrong admin password from 127.0.0.1" in capfd.readouterr().out


def test_the_wait_doubles_and_is_capped(tmp_path):
    from apphelp import ManualClockBoard
    from emeter.app import App
    from emeter.web.routes import FAIL_CAP_MS

    class Req:
        client_address = ("10.0.0.9", 1)
        headers = {"Authorization": basic("wrong-password")}
    board = claim(ManualClockBoard(str(tmp_path)))
    web = App(board, port=0, host="127.0.0.1").web
    waits = []
    for _ in range(10):
        assert web._password(Req()) is not None
        waits.append(web.fails["10.0.0.9"][1] - board.now)
        board.now += waits[-1]
    assert waits == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 64000, 64000, 64000]
    assert FAIL_CAP_MS == 64000


def test_guesses_from_many_addresses_make_the_whole_device_wait(tmp_path, run_app, capfd):
    # an attacker rotating addresses (IPv6 gives plenty) gets no fresh 1 s start from each;
    # on Linux every 127.x.y.z reaches the loopback listener
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)

    def guess(i, password="wrong-password"):
        c = http.client.HTTPConnection("127.0.0.1", r.port, timeout=10,
                                        source_address=("127.0.%d.%d" % (i // 200, 2 + i % 200), 0))
        c.request("GET", "/setup", headers={"Authorization": basic(password)})
        resp = c.getresponse()
        resp.read()
        c.close()
        return resp.status, resp.getheader("Retry-After")
    from emeter.web.routes import _FAIL_ADDRESSES
    assert [guess(i)[0] for i in range(_FAIL_ADDRESSES + 1)] == [401] * (_FAIL_ADDRESSES + 1)
    status, retry = guess(_FAIL_ADDRESSES + 1)  # an address never seen before
    assert status == 429 and int(retry) >= 1
    assert guess(_FAIL_ADDRESSES + 2, ADMIN)[0] == 429  # everyone waits, for a short while
    assert "from many addresses" in capfd.readouterr().out
    assert len(r.app.web.fails) <= _FAIL_ADDRESSES  # memory stays bounded


def test_the_device_wide_wait_doubles_while_the_wave_goes_on_and_memory_stays_bounded(tmp_path):
    from apphelp import ManualClockBoard
    from emeter.app import App
    from emeter.web.routes import FAIL_CAP_MS, _FAIL_ADDRESSES

    class Req:
        def __init__(self, n):
            self.client_address = ("2001:db8::%x" % n, 1)
        headers = {"Authorization": basic("wrong-password")}
    board = claim(ManualClockBoard(str(tmp_path)))
    web = App(board, port=0, host="127.0.0.1").web
    n = 0
    for _ in range(_FAIL_ADDRESSES):
        web._password(Req(n))
        n += 1
    assert web.floor[0] == 0  # as many addresses as it remembers: each waits on its own
    waits = []
    for _ in range(9):
        web._password(Req(n))  # one more address: the whole device waits
        n += 1
        waits.append(web.floor[1] - board.now)
        assert web._password(Req(n))._status.code == 429
        board.now += waits[-1]
        assert len(web.fails) <= _FAIL_ADDRESSES
    assert waits == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 64000, 64000]
    board.now += 3 * FAIL_CAP_MS  # after a quiet spell a new wave starts at 1 s again
    web._password(Req(n))
    assert web.floor[1] - board.now == 1000
    board.now += 3 << 27  # 4.6 days later (the ticks wrap): a stale wait holds nobody up
    assert web._password(Req(0))._status.code == 401


def test_settings_are_written_at_most_once_in_a_few_seconds(tmp_path, run_app):
    board = claim(HostBoard(str(tmp_path)))
    r = run_app(board)
    assert r.post("/setup", b"hostname=first")[0] == 200
    status, headers, _ = r.post("/setup", b"hostname=second")
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 5
    assert Settings.load(board)["hostname"] == "first"


# --- 7. feeds off by default -------------------------------------------------------------------
def test_raw_meter_bytes_and_the_bridge_are_off_by_default(tmp_path, run_app):
    r = run_app(HostBoard(str(tmp_path)))
    assert wait_for(lambda: r.app.feeds.listening)
    assert r.app.feeds.raw is None and r.app.feeds.bridge is None
    s = r.app.settings
    assert s["raw_enabled"] == 0 and s["bridge_enabled"] == 0


def test_the_raw_port_can_be_limited_to_one_client(tmp_path, run_app):
    board = HostBoard(str(tmp_path))
    Settings({"raw_enabled": 1, "raw_port": free_port(), "feed_client": "127.0.0.2"}).save(board)
    r = run_app(board)
    assert wait_for(lambda: r.app.feeds.raw is not None)
    raw = r.app.feeds.raw
    port = raw.port()
    other = socket.create_connection(("127.0.0.1", port))
    assert wait_for(lambda: raw.refused == 1) and raw.clients == []
    other.close()
    allowed = socket.socket()
    allowed.bind(("127.0.0.2", 0))
    allowed.connect(("127.0.0.1", port))
    assert wait_for(lambda: len(raw.clients) == 1)
    allowed.close()


# --- 9. all connections busy -------------------------------------------------------------------
def _recv_all(s):
    s.settimeout(10)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return out
        out += chunk


def test_a_client_beyond_the_busy_slots_gets_503_and_the_others_their_answers(tmp_path, run_app):
    r = run_app(HostBoard(str(tmp_path)))
    held = [socket.create_connection(("127.0.0.1", r.port)) for _ in range(4)]
    for s in held:
        s.sendall(b"GET /data.json HTTP/1.1\r\nHost: x\r\n")  # the headers not ended yet
    assert wait_for(lambda: len(r.app.web.gate.listener.pending) == 4)
    status, headers, _ = r.get("/data.json")
    assert status == 503 and headers["retry-after"]
    for s in held:
        s.sendall(b"\r\n")
    for s in held:
        assert _recv_all(s).startswith(b"HTTP/1.1 200")  # answered, not reset
        s.close()
    assert r.app.web.gate.busy == 1


# --- 10. HEAD ----------------------------------------------------------------------------------
def test_head_answers_every_get_route_without_a_body(tmp_path, run_app):
    from adafruit_httpserver import GET
    r = run_app(claim(HostBoard(str(tmp_path))))
    paths = [route.path for route in r.app.web.server._routes if GET in route.methods]
    assert "/" in paths and "/setup" in paths and "/metrics" in paths
    for path in paths:
        pw = ADMIN if path == "/setup" else None
        gs, gh, body = r.get(path, password=pw)
        s = socket.create_connection(("127.0.0.1", r.port))
        s.sendall(b"HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                  % (path.encode(), b"Authorization: %s\r\n" % basic().encode() if pw else b""))
        head, _, rest = _recv_all(s).partition(b"\r\n\r\n")
        s.close()
        assert head.startswith(b"HTTP/1.1 %d" % gs) and rest == b"", path  # no body at all
        hh = dict(line.split(": ", 1) for line in head.decode().lower().split("\r\n")[1:])
        assert hh["content-type"] == gh["content-type"], path
        if path.endswith((".css", ".js")):
            assert int(hh["content-length"]) == len(body)
