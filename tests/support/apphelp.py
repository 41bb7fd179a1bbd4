"""Shared helpers for the application tests: a real App on a HostBoard, real sockets."""

import http.client
import json
import os
import socket
import threading
import time
from decimal import Decimal

from emeter.app import App
from host.board import HostBoard, Restart

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")


def corpus_path(name):
    return os.path.join(CORPUS, name)


def corpus_bytes(name):
    from host import capture
    return capture.load(corpus_path(name))[1]


def expected(name):
    with open(corpus_path(name), "rb") as f:
        return json.loads(f.read(), parse_float=Decimal)


def seed_log(data):
    """An entry of the seed firmware's log.txt: printf("%#04x, ") per byte (C writes zero as
    '0000'), 16 to a line, between '--- Start ---' and '---  End  ---'."""
    out = "--- Start ---"
    for n, b in enumerate(data):
        if n % 16 == 0:
            out += "\r\n"
        out += "0000, " if b == 0 else "0x%02x, " % b
    return out + "\n---  End  ---\r\n"


def free_port():
    """A loopback TCP port the OS had free a moment ago (for a subprocess to listen on)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ADMIN = "test-admin-pw"


def claim(board, password=ADMIN):
    """Give the device on this board an admin password (what the first /setup save does)."""
    from emeter.store.settings import Settings, hash_password
    s = Settings.load(board)
    s.values["admin_password"] = hash_password(password)
    s.save(board)
    return board


def basic(password=ADMIN, user="admin"):
    """An Authorization header value for HTTP Basic."""
    import base64
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def wait_for(cond, timeout=15.0):
    """Poll cond() until true; a bounded wait, not a timing assertion."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    return cond()


class ManualClockBoard(HostBoard):
    """A HostBoard whose ticks only move when the test says so."""

    def __init__(self, *a, **kw):
        HostBoard.__init__(self, *a, **kw)
        self.now = 1000

    def ticks_ms(self):
        return self.now

    def sleep_ms(self, ms):
        pass


class Running:
    """An App stepping in a thread, serving on a loopback port chosen by the OS."""

    def __init__(self, board, **kw):
        self.board = board
        self.app = App(board, port=0, host="127.0.0.1", **kw)
        self.app.start()
        self.port = self.app.web.port()
        self.stopping = False
        self.restarted = False
        self.error = None
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        try:
            while not self.stopping:
                self.app.step()
        except Restart:
            self.restarted = True
        except BaseException as e:  # surfaced by stop()
            self.error = e

    def request(self, path, method="GET", body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def get(self, path, password=None, **kw):
        """A GET, with Basic credentials when password is given (ADMIN: the claim's)."""
        if password is not None:
            kw["headers"] = dict(kw.get("headers") or {}, Authorization=basic(password))
        return self.request(path, **kw)

    def post(self, path, body, password=ADMIN, **headers):
        """A form POST, with the admin password unless password is None."""
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if password is not None:
            h["Authorization"] = basic(password)
        h.update(headers)
        return self.request(path, method="POST", body=body, headers=h)

    def json(self):
        status, _, body = self.get("/data.json")
        assert status == 200
        return json.loads(body, parse_float=Decimal)

    def stop(self):
        self.stopping = True
        self.thread.join(10)
        try:
            self.app.web.stop()
        except Exception:
            pass
        feeds = getattr(self.app, "feeds", None)
        if feeds is not None:
            feeds.close()  # listeners (raw port, bridge) must not outlive the test
        if self.error is not None:
            raise self.error


def replay_board(tmp_path, name, speed=1.0, **kw):
    from host import capture
    kind, data = capture.load(corpus_path(name))
    return HostBoard(str(tmp_path), replay=data, speed=speed,
                     wire=capture.wire_settings(kind, data), **kw)
