"""Routes: /, /data.json, /log.txt, /setup — glue between requests, the app and pages.

Who may do what is decided in one place, `Web.guard`, for every route and method
(README "Security"): a request that is not GET or HEAD changes something, so it
needs a Host that names this device, no foreign Origin/Referer and the admin
password (HTTP Basic).  Until an admin password exists only /setup takes a change,
and asks for one first (on a network within CLAIM_WINDOW_MS of a start that was
not a watchdog reset; on the open access point any time).  Reading is open except
/setup, unless "protect readings" is on.  While the open access point is up, a GET for another name is
sent to /setup.  Wrong passwords make their address wait (1, 2, 4 ... 64 s), and
the whole device when they come from more addresses at once than it remembers;
settings are written at most once per SAVE_GAP_MS.  HEAD works on every GET route.
"""

import binascii

from adafruit_httpserver import GET, HEAD, POST, ChunkedResponse, Response, Server
from adafruit_httpserver.status import (FORBIDDEN_403, FOUND_302, NOT_FOUND_404, Status,
                                       UNAUTHORIZED_401)

from emeter.clock import ticks_add, ticks_diff
from emeter.lazy import forget
from emeter.store.settings import check_password, forget_checks
from emeter.web import dashboard, datajson
from emeter.web.httpgate import GatedPool

_HTML = "text/html; charset=utf-8"
_NO_STORE = {"Cache-Control": "no-store"}
_TOO_MANY = Status(429, "Too Many Requests")
SAVE_GAP_MS = 5000       # flash wear: one settings write per this long
FAIL_CAP_MS = 64000      # longest wait after wrong passwords (doubling from 1 s)
_FAIL_ADDRESSES = 16     # addresses remembered
_LOCKED = ("/setup",)    # read only with the password (once there is one)
CLAIM_WINDOW_MS = 600000  # an unclaimed device on a network: claimable this long after a start


def _basic_password(request):
    """The password of an 'Authorization: Basic' header, or None."""
    h = request.headers.get("Authorization")
    if not h or not h.startswith("Basic "):
        return None
    try:
        raw = binascii.a2b_base64(h[6:].strip()).decode("utf-8")
    except (ValueError, UnicodeError, binascii.Error):
        return None
    i = raw.find(":")
    return raw[i + 1:] if i >= 0 else None


def _host_of(url):
    # 'http://emeter.local:8080/setup' -> 'emeter.local:8080'
    i = url.find("://")
    rest = url[i + 3:] if i >= 0 else url
    return rest.split("/", 1)[0]


def _host_name(host):
    # 'emeter.local:8080' -> 'emeter.local', '[fe80::1]:80' -> 'fe80::1'
    host = host.strip().lower()
    if host[:1] == "[":
        return host[1:host.find("]")]
    return host.split(":")[0].rstrip(".")


def _head_only(r):
    """The GET response without its body (Content-Length stays the body's)."""
    if hasattr(r, "_head_only"):  # FileResponse
        r._head_only = True
        return
    body = r._body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        r._headers.setdefault("Content-Length", str(len(body)))
        r._body = b""
    else:  # ChunkedResponse: its headers alone

        def send():
            r._send_headers()
            r._close_connection()
        r._send = send


class _Server(Server):
    """Every route goes through Web.guard; HEAD runs the GET route and drops the body."""

    def __init__(self, pool, web):
        Server.__init__(self, pool)
        self.web = web

    def _find_handler(self, method, path):
        h = Server._find_handler(self, GET if method == HEAD else method, path)
        guard = self.web.guard

        def guarded(request):
            r = guard(request, method, path)
            if r is None:
                if h is None:
                    return _text(request, NOT_FOUND_404, "Not found")
                request.method = GET if method == HEAD else method
                r = h(request)
            if method == HEAD and r is not None:
                _head_only(r)
            return r
        return guarded


def _unload_unused():
    """Give back the heap of what adafruit_httpserver loads and no route here uses: its MIME
    table (every response names its type; the library's own way to drop rows) and the
    response classes for WebSocket, server-sent events, JSON and redirects (about 5 kB on a
    board; nothing in the library refers to them)."""
    import sys
    from adafruit_httpserver import MIMETypes
    MIMETypes.configure(keep_for=[])
    for name in ("adafruit_httpserver", "adafruit_httpserver.response"):
        module = sys.modules.get(name)
        for cls in ("Websocket", "SSEResponse", "JSONResponse", "Redirect"):
            try:
                delattr(module, cls)
            except (AttributeError, KeyError, TypeError):  # gone already (MicroPython: KeyError)
                pass


class Web:
    def __init__(self, app, pool):
        _unload_unused()
        self.app = app
        board = app.board
        self.gate = GatedPool(pool, board.ticks_ms, pump=app.sched.pump, sleep_ms=board.sleep_ms)
        self.server = _Server(self.gate, self)
        # the server reads each request from memory (_Ready), after the gate has read it
        # from the socket: one buffer serves both
        self.gate.buf = getattr(self.server, "_buffer", None)
        self.fails = {}         # address -> [wrong passwords in a row, ticks it may try again]
        self.floor = [0, 0]     # the same for the whole device (many addresses at once)
        self.auth_failed = 0
        self.saved_at = None
        self.claim_until = None  # ticks until which a station may be claimed
        if not app.settings["admin_password"] and not board.reset_by_watchdog():
            self.claim_until = ticks_add(board.ticks_ms(), CLAIM_WINDOW_MS)
        self.server.route("/", GET)(self.index)
        self.server.route("/data.json", GET)(self.data)
        self.server.route("/log.txt", GET)(self.log)
        self.server.route("/setup", [GET, POST])(self.setup)
        dashboard.add_routes(self)  # /app.css, /app.js, /history.json, /status.json, /log
        self.errors = 0

    def start(self, port, host="0.0.0.0"):
        self.server.start(host, port)

    def port(self):
        return self.gate.listener.getsockname()[1]

    def stop(self):
        if not self.server.stopped:
            self.server.stop()

    def poll(self):
        """One bounded step of the server (a minor slot)."""
        if self.claim_until is not None and ticks_diff(self.app.board.ticks_ms(),
                                                       self.claim_until) >= 0:
            self.claim_until = None  # closed for good (ticks wrap after days)
        if self.server.stopped:  # not listening yet (Wi-Fi still joining), or stopped
            return False
        try:
            if not self.gate.listener.poll():  # no whole request yet: nothing for the server
                return False
            return self.server.poll() not in ("no_request", "connection_timed_out")
        except Exception:  # a broken request or a client gone: never stop the loop
            self.errors += 1
            return True

    # --- routes ---------------------------------------------------------
    def index(self, request):
        return dashboard.index_response(self, request)  # issue 6: the dashboard page

    def data(self, request):
        body = datajson.document_bytes(self.app.state, self.app.device_json())
        return Response(request, body, content_type="application/json",
                        headers=dict(_NO_STORE))  # no CORS: other sites must not read it

    def log(self, request):
        # entry by entry (chunked): the ring, up to a quarter of the free heap, is never
        # joined into one block; the entries as they are now, whatever arrives meanwhile
        entries = list(self.app.log.entries)
        return ChunkedResponse(request, lambda: entries, content_type="text/plain; charset=utf-8",
                               headers=dict(_NO_STORE))

    # --- who may do what ----------------------------------------------------
    def guard(self, request, method, path):
        """None when the request may go on to its route, else the refusal."""
        s = self.app.settings
        writing = method not in (GET, HEAD)
        wifi = self.app.wifi
        ours = True
        if writing or wifi.mode == "ap":
            ours = _host_name(request.headers.get("Host") or "") in self.names()
        if not ours and not writing:
            # the captive portal: a phone checking for internet gets the setup page
            return Response(request, "", status=FOUND_302,
                            headers={"Location": "http://%s/setup" % wifi.ap_ip})
        if writing:
            if not ours:
                return _text(request, FORBIDDEN_403, "Host not recognised: add the name you "
                             "reach this device by in /setup (Access)")
            if not self._same_origin(request):
                return _text(request, FORBIDDEN_403, "Cross-site request refused")
        if not s["admin_password"]:  # unclaimed: /setup asks for an admin password first
            if writing and path != "/setup":
                return _text(request, FORBIDDEN_403, "Set an admin password in /setup first")
            if (writing or path == "/setup") and self.claim_until is None and wifi.mode != "ap":
                # on a network, only the person who just started it (power or reset button,
                # not a watchdog reset someone could provoke) can claim it
                return _text(request, FORBIDDEN_403, "Not claimed: restart the device (power or "
                             "reset button), then set the admin password within 10 minutes")
            return None
        if writing or path in _LOCKED or s["protect_readings"]:
            return self._password(request)
        return None

    def names(self):
        """The names a Host header may give for this device."""
        app = self.app
        s = app.settings
        h = s["hostname"]
        names = [h, h + ".local", app.wifi.ap_ip, app.wifi_info().get("ip")]
        for n in s["extra_hosts"].split():
            names.append(_host_name(n))  # as the address bar shows it: 'x.lan:8080', '[fd00::1]'
        if app.board.name == "host":
            names += ["localhost", "127.0.0.1", "::1"]
        return names

    def _password(self, request):
        addr = request.client_address[0] if request.client_address else ""
        now = self.app.board.ticks_ms()
        f = self.fails.get(addr)
        for w in (self.floor, f):  # the whole device's wait, then this address's
            # (a wait longer than the cap is a stale tick count that wrapped: over)
            if w is not None and 0 < ticks_diff(w[1], now) <= FAIL_CAP_MS:
                return _text(request, _TOO_MANY, "Too many wrong passwords: try again later",
                             {"Retry-After": str((ticks_diff(w[1], now) + 999) // 1000)})
        pw = _basic_password(request)
        if pw is not None and check_password(self.app.settings["admin_password"], pw):
            if f is not None:
                del self.fails[addr]
            return None
        if pw is not None:  # a wrong password (a browser's first try sends none)
            if f is None:
                if len(self.fails) >= _FAIL_ADDRESSES:
                    self._make_room(now)
                f = self.fails[addr] = [0, now]
            wait = _later(f, now)
            self.auth_failed += 1
            print("emeter: wrong admin password from %s (%d in a row): next try in %d s"
                  % (addr, f[0], wait // 1000))
        return _text(request, UNAUTHORIZED_401, "Admin password required",
                     {"WWW-Authenticate": 'Basic realm="emeter", charset="UTF-8"'})

    def _make_room(self, now):
        """The table is full: guesses come from more addresses than it holds (rotating IPv6
        ones, say). One goes, and the whole device waits: 1 s, doubling while it goes on."""
        for k in self.fails:
            del self.fails[k]
            break
        if not _recent(self.floor[1], now):
            self.floor[0] = 0  # the last wave is long over: start again at 1 s
        print("emeter: wrong admin passwords from many addresses: all wait %d s"
              % (_later(self.floor, now) // 1000))

    def _same_origin(self, request):
        # A page elsewhere must not post settings through the owner's browser.
        origin = request.headers.get("Origin") or request.headers.get("Referer")
        if not origin:
            return True
        return _host_of(origin) == (request.headers.get("Host") or "")

    def setup(self, request):
        # the form's handler, page and parser are loaded for this request only: /setup is rare
        from emeter.web import setupform
        try:
            return setupform.handle(self, request)
        finally:
            forget("emeter.web.setupform")
            dashboard.forget_pages()
            forget("emeter.web.forms")
            forget_checks()  # the form's choices and checkers


def _later(f, now):
    """One more wrong password for f = [count, ticks it may try again]: its new wait."""
    f[0] += 1
    wait = min(FAIL_CAP_MS, 1000 << min(f[0] - 1, 6))
    f[1] = ticks_add(now, wait)
    return wait


def _recent(t, now):
    # t (a wait's end) lies within FAIL_CAP_MS of now, either side (ticks wrap)
    return -FAIL_CAP_MS <= ticks_diff(now, t) <= FAIL_CAP_MS


def _text(request, status, text, headers=None):
    return Response(request, text, status=status, content_type="text/plain; charset=utf-8",
                    headers=headers)
