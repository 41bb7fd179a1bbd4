"""Helpers for the feed tests: free loopback ports, settings files, real servers
(mosquitto, influxd) started on them and stopped afterwards."""

import os
import shutil
import socket
import subprocess
import time

import cosem
from apphelp import Running, corpus_bytes, free_port, replay_board, wait_for  # noqa: F401
from emeter.store.tomlfile import rewrite

LOOPBACK = "127.0.0.1"


def write_settings(data_dir, **values):
    """settings.toml in the data folder with EMETER_* keys (names as in FEED_FIELDS)."""
    from emeter.store.settings import FIELDS
    keys = dict((f[0], f[1]) for f in FIELDS)
    pairs = [(keys[k], v) for k, v in values.items()]
    with open(os.path.join(str(data_dir), "settings.toml"), "w") as f:
        f.write(rewrite("", pairs, [p[0] for p in pairs]))


def decoded(name):
    """The good messages our decoder makes of a corpus capture."""
    return [m for m in cosem.decode(corpus_bytes(name)) if m.ok]


def port_open(port):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect((LOOPBACK, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class Mosquitto:
    """A broker of our own on a free loopback port (stop() kills it, start() again)."""

    def __init__(self, tmp_path, port=None):
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not os.path.exists(exe):
            raise RuntimeError("mosquitto is not installed (Debian package mosquitto; "
                               "python3 build.py test installs it)")
        self.exe = exe
        self.port = port or free_port()
        self.conf = os.path.join(str(tmp_path), "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write("listener %d %s\nallow_anonymous true\npersistence false\n" % (self.port, LOOPBACK))
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.exe, "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not wait_for(lambda: port_open(self.port), 10):
            self.stop()
            raise RuntimeError("mosquitto did not start on port %d" % self.port)
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class Influxd:
    """Debian's InfluxDB 1.x on free loopback ports with its files in tmp_path."""

    def __init__(self, tmp_path):
        exe = shutil.which("influxd") or "/usr/bin/influxd"
        if not os.path.exists(exe):
            raise RuntimeError("influxd is not installed (Debian package influxdb)")
        self.port = free_port()
        d = str(tmp_path)
        self.conf = os.path.join(d, "influxdb.conf")
        with open(self.conf, "w") as f:
            f.write('reporting-disabled = true\nbind-address = "%s:%d"\n'
                    '[meta]\n  dir = "%s/meta"\n'
                    '[data]\n  dir = "%s/data"\n  wal-dir = "%s/wal"\n  query-log-enabled = false\n'
                    '[http]\n  bind-address = "%s:%d"\n  log-enabled = false\n'
                    '[monitor]\n  store-enabled = false\n'
                    % (LOOPBACK, free_port(), d, d, d, LOOPBACK, self.port))
        self.proc = subprocess.Popen([exe, "-config", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not wait_for(self._ping, 20):
            self.stop()
            raise RuntimeError("influxd did not start")

    def _ping(self):
        import http.client
        try:
            c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=2)
            c.request("GET", "/ping")
            return c.getresponse().status == 204
        except OSError:
            return False

    def query(self, q, db=None):
        import http.client
        import json
        from urllib.parse import urlencode
        params = {"q": q}
        if db:
            params["db"] = db
        c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        c.request("POST", "/query?" + urlencode(params))
        r = c.getresponse()
        return json.loads(r.read())

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


def run_app(tmp_path, capture, speed=1.0, **settings):
    write_settings(tmp_path, **settings)
    return Running(replay_board(tmp_path, capture, speed=speed))


def stop_app(r):
    r.stopping = True
    r.thread.join(10)
    r.app.feeds.close()
    r.stop()
