"""Routes: /, /data.json, /log.txt, /setup — glue between requests, the app and pages."""

import binascii

from adafruit_httpserver import GET, POST, Response, Server
from adafruit_httpserver.status import FORBIDDEN_403, Status, UNAUTHORIZED_401

from emeter.web import dashboard, datajson, forms, pages
from emeter.web.httpgate import GatedPool
from emeter.store.settings import FIELDS, check_password

_HTML = "text/html; charset=utf-8"
_NO_STORE = {"Cache-Control": "no-store"}
_UNPROCESSABLE = Status(422, "Unprocessable Content")
_SAVE_RESTART_MS = 1500


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


class Web:
    def __init__(self, app, pool):
        self.app = app
        board = app.board
        self.gate = GatedPool(pool, board.ticks_ms, pump=app.sched.pump, sleep_ms=board.sleep_ms)
        self.server = Server(self.gate)
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
        try:
            return self.server.poll() not in ("no_request", "connection_timed_out")
        except Exception:  # a broken request or a client gone: never stop the loop
            self.errors += 1
            return True

    # --- routes ---------------------------------------------------------
    def index(self, request):
        return dashboard.index_response(self, request)  # issue 6: the dashboard page

    def data(self, request):
        body = datajson.document(self.app.state, self.app.device_json())
        return Response(request, body, content_type="application/json",
                        headers=dict(_NO_STORE))  # no CORS: other sites must not read it

    def log(self, request):
        return Response(request, self.app.log.text(), content_type="text/plain; charset=utf-8",
                        headers=dict(_NO_STORE))

    def _authorised(self, request):
        stored = self.app.settings["admin_password"]
        if not stored:
            return True
        pw = _basic_password(request)
        return pw is not None and check_password(stored, pw)

    def _same_origin(self, request):
        # A page elsewhere must not post settings through the owner's browser.
        origin = request.headers.get("Origin") or request.headers.get("Referer")
        if not origin:
            return True
        return _host_of(origin) == (request.headers.get("Host") or "")

    def setup(self, request):
        if not self._authorised(request):
            return Response(request, "Admin password required", status=UNAUTHORIZED_401,
                            headers={"WWW-Authenticate": 'Basic realm="emeter setup", charset="UTF-8"'})
        s = self.app.settings
        is_set = {}
        values = {}
        for name, _, _, _, secret, _ in FIELDS:
            is_set[name] = s.is_set(name)
            if not secret:
                values[name] = s[name]
        if request.method == GET:
            return Response(request, pages.setup(values, is_set, message=self.app.setup_note()),
                            content_type=_HTML, headers=dict(_NO_STORE))
        if not self._same_origin(request):
            return Response(request, "Cross-site form refused", status=FORBIDDEN_403)
        form = forms.parse(request.body)
        new, errors = s.updated(form)
        if errors:
            for name, _, _, _, secret, _ in FIELDS:
                raw = form.get(name)
                if secret or raw is None:
                    continue
                try:
                    values[name] = raw.decode("utf-8")
                except UnicodeError:
                    values[name] = ""
            return Response(request, pages.setup(values, is_set, errors,
                                                 "Nothing was saved: please correct the marked fields."),
                            content_type=_HTML, status=_UNPROCESSABLE, headers=dict(_NO_STORE))
        self.app.save_settings(new)
        self.app.restart_later(_SAVE_RESTART_MS)
        return Response(request, pages.saved(), content_type=_HTML, headers=dict(_NO_STORE))
