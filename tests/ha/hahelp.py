"""A real Home Assistant (installed by tools/ha_venv.py) on a loopback port with a config
folder of our own: start, onboard through its API, config flows, REST and websocket calls."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlencode

from feedhelp import LOOPBACK, free_port, port_open

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from tools import ha_venv  # noqa: E402

START_S = 240  # first start on a slow shared machine: migrations, frontend, recorder


class HomeAssistant:
    def __init__(self, config_dir, yaml_text):
        self.python = ha_venv.ensure()      # raises ha_venv.Missing with what to do
        self.dir = str(config_dir)
        self.port = free_port()
        self.base = "http://%s:%d" % (LOOPBACK, self.port)
        self.token = None
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "configuration.yaml"), "w") as f:
            f.write(yaml_text.replace("@PORT@", str(self.port)))
        self.proc = None
        self.out = None

    # --- process ---------------------------------------------------------------
    def start(self):
        self.out = open(os.path.join(self.dir, "hass.out"), "ab")
        self.proc = subprocess.Popen([self.python, "-m", "homeassistant", "-c", self.dir, "--skip-pip"],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        end = time.monotonic() + START_S
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("Home Assistant exited (%s): %s" % (self.proc.returncode, self.log_tail()))
            if port_open(self.port) and self._running():
                return self
            time.sleep(0.5)
        raise RuntimeError("Home Assistant did not start in %d s: %s" % (START_S, self.log_tail()))

    def _running(self):
        try:
            if self.token is None:
                st, body = self.request("GET", "/api/onboarding", auth=False)
                return st == 200
            st, body = self.request("GET", "/api/config")
            return st == 200 and body.get("state") == "RUNNING"
        except (OSError, ValueError):
            return False

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
        if self.out is not None:
            self.out.close()
            self.out = None

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        try:
            with open(os.path.join(self.dir, "home-assistant.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=3000):
        try:
            with open(os.path.join(self.dir, "hass.out"), encoding="utf-8", errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    # --- HTTP --------------------------------------------------------------------
    def request(self, method, path, body=None, auth=True, form=False):
        c = http.client.HTTPConnection(LOOPBACK, self.port, timeout=60)
        headers = {}
        data = None
        if body is not None:
            if form:
                data = urlencode(body)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body)
                headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = "Bearer " + self.token
        try:
            c.request(method, path, data, headers)
            r = c.getresponse()
            raw = r.read()
        finally:
            c.close()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, raw.decode("utf-8", "replace")

    def api(self, method, path, body=None):
        st, out = self.request(method, path, body)
        if st >= 300:
            raise AssertionError("%s %s -> %d %r" % (method, path, st, out))
        return out

    def onboard(self):
        """Create the owner through the onboarding API and take its tokens."""
        client = self.base + "/"
        st, out = self.request("POST", "/api/onboarding/users", {
            "client_id": client, "name": "Test", "username": "test", "password": "test-pass-1",
            "language": "en"}, auth=False)
        assert st == 200, (st, out)
        st, tok = self.request("POST", "/auth/token", {
            "grant_type": "authorization_code", "code": out["auth_code"], "client_id": client},
            auth=False, form=True)
        assert st == 200, (st, tok)
        self.token = tok["access_token"]
        for step, body in (("core_config", {}), ("analytics", {}),
                           ("integration", {"client_id": client, "redirect_uri": client})):
            self.api("POST", "/api/onboarding/" + step, body)
        return self

    def flow(self, handler, *steps):
        """Run a config flow through the REST API; every step's input in order. The result."""
        out = self.api("POST", "/api/config/config_entries/flow",
                       {"handler": handler, "show_advanced_options": False})
        for user_input in steps:
            assert out.get("type") == "form", out
            out = self.api("POST", "/api/config/config_entries/flow/" + out["flow_id"], user_input)
            if out.get("errors"):
                raise AssertionError("%s flow: %r" % (handler, out))
        return out

    def states(self):
        return dict((s["entity_id"], s) for s in self.api("GET", "/api/states"))

    def ws(self, *commands):
        """Websocket API commands (run by the Home Assistant venv's python)."""
        url = "ws://%s:%d/api/websocket" % (LOOPBACK, self.port)
        r = subprocess.run([self.python, os.path.join(HERE, "ha_ws.py"), url, self.token],
                           input=json.dumps(list(commands)), capture_output=True, text=True, timeout=120)
        if r.returncode:
            raise AssertionError("websocket: " + r.stderr[-2000:])
        return json.loads(r.stdout)
