"""The feeds, wired into the App: raw TCP, DSMR bridge, MQTT, HTTP push, /metrics.

The App calls `bytes_in` with every chunk read from the meter port,
`message_in` with every decoded message, `start(sched)` once and `close()`
before a restart.  Each feed runs in its own scheduler slot and does bounded
work per call; listeners open once the network is up (the App's web server
has started), so the access-point setup mode works as before.
"""

# Feed modules are imported only when their feed is on (or /metrics is asked for):
# RAM is short on the smaller boards.

import sys

from emeter.lazy import forget


class Feeds:
    def __init__(self, app):
        self.app = app
        s = app.settings
        self.raw = None
        self.bridge = None
        self.mqtt = None
        self.push = None
        self.listening = False
        self.errors = 0
        budget = app.sched.budget_ms
        if s["mqtt_enabled"] and s["mqtt_host"]:
            from emeter.feeds.mqtt import MqttFeed
            self.mqtt = MqttFeed(app.board, s, budget, drain=app.sched.drain,
                                 hostname=s["hostname"], web_port=app.web.port)
        if s["push_mode"] != "off" and s["push_url"]:
            from emeter.feeds.push import HttpPush
            self.push = HttpPush(app.board, s, budget, drain=app.sched.drain)
        try:
            from adafruit_httpserver import GET
            app.web.server.route("/metrics", GET)(self._metrics)
        except Exception as e:  # a web server without routes (a test fake): no /metrics
            print("emeter: no /metrics: %r" % (e,))

    # --- wiring -------------------------------------------------------------
    def start(self, sched):
        sched.every("feeds-listen", self._listen, 1000)
        sched.every("rawtcp", self._raw_poll, 0)
        sched.every("bridge", self._bridge_poll, 0)
        if self.mqtt is not None:
            sched.every("mqtt", self.mqtt.poll, 50)
        if self.push is not None:
            sched.every("push", self.push.poll, 200)

    def _listen(self):
        if self.listening or not getattr(self.app, "web_started", False):
            return False
        self.listening = True
        s = self.app.settings
        if not (s["raw_enabled"] or s["bridge_enabled"]):
            return True  # no TCP feed: its module is never loaded
        pool = self.app.board.socket_pool()
        from emeter.feeds.tcpfan import TcpFanout
        host = getattr(self.app, "web_host", "0.0.0.0")
        allow = s["feed_client"] or None
        if s["raw_enabled"]:
            try:
                self.raw = TcpFanout(pool, s["raw_port"], host, allow=allow)
            except OSError as e:
                self.errors += 1
                print("emeter: raw TCP port %d: %r" % (s["raw_port"], e))
        if s["bridge_enabled"]:
            try:
                self.bridge = TcpFanout(pool, s["bridge_port"], host, allow=allow)
            except OSError as e:
                self.errors += 1
                print("emeter: bridge port %d: %r" % (s["bridge_port"], e))
        return True

    def _raw_poll(self):
        return self.raw.poll() if self.raw is not None else False

    def _bridge_poll(self):
        return self.bridge.poll() if self.bridge is not None else False

    def bytes_in(self, data):
        if self.raw is not None:
            self.raw.write(data)

    def message_in(self, message):
        if self.bridge is not None and self.bridge.clients:
            from emeter.feeds.dsmrbridge import telegram
            # a text telegram goes on as it came; a ciphered one (Luxembourg, Austria: raw is
            # the GCM frame; Poland: text around a GCM block, frame says so) and DLMS lists
            # are written from the readings
            plain = message.raw[:1] == b"/" and message.frame is None
            t = message.raw if plain else telegram(message)
            if t:
                self.bridge.write(t)
        if self.mqtt is not None:
            self.mqtt.message_in(message)
        if self.push is not None:
            self.push.message_in(message)
        if self.push is None or self.push.mode != "dsmrreader":
            # the bytes the message came from (a whole telegram, 0.1-2 kB) are needed by no
            # one later: the device keeps the message until the next, without them
            message.raw = b""

    def close(self):
        for f in (self.raw, self.bridge, self.mqtt):
            if f is not None:
                try:
                    f.close()
                except Exception:
                    pass
        self.raw = self.bridge = None

    # --- counters -------------------------------------------------------------
    def counters(self):
        """[(feed, [(name, value)])] of the feeds that are on."""
        out = []
        for name, f in (("raw", self.raw), ("bridge", self.bridge), ("mqtt", self.mqtt),
                        ("push", self.push)):
            if f is not None:
                out.append((name, f.counters()))
        return out

    def _metrics(self, request):
        # a scrape comes every minute or so: the exposition code and the OBIS table are
        # loaded for it and let go afterwards (the table stays when a feed keeps it)
        from adafruit_httpserver import Response
        table_kept = "emeter.feeds.obismap" in sys.modules
        from emeter.feeds import metrics
        try:
            body = metrics.text(self.app.state, metrics.device_rows(self.app, self.counters()))
            content_type = metrics.CONTENT_TYPE
        finally:
            metrics = None
            forget("emeter.feeds.metrics")
            if not table_kept:
                forget("emeter.feeds.obismap")
        return Response(request, body, content_type=content_type,
                        headers={"Cache-Control": "no-store"})
