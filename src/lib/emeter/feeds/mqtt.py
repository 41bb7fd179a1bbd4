"""MQTT: each message as JSON on `<prefix>/state`, availability with a last will, and
Home Assistant discovery, through adafruit_minimqtt on the board and on the host.

MiniMQTT's calls block (connect waits for CONNACK, loop() for its timeout), so
this feed keeps every call short:
- the connect and receive timeouts come from the scheduler's UART budget, and the
  meter port is drained just before a connection attempt;
- after connecting, the socket timeout drops to POLL_S, and loop() runs for that long;
- MiniMQTT's own keep-alive ping (which waits up to keep_alive seconds for an
  answer) never runs: the feed publishes `online` to the availability topic every
  HEARTBEAT_MS, well inside keep_alive;
- a failed attempt waits 1, 2, 4 ... 64 s (plus jitter) before the next one; a broker
  that refuses the credentials is not asked again until the settings change (restart);
- while the broker is away, messages are dropped and counted, never queued.
Discovery configs go out a few per slot (DISCOVERY_PER_POLL), after connecting,
for codes seen the first time, and again when Home Assistant says `online`.
"""

import errno
import sys

from cosem.jsonw import Pairs, dumps

from emeter.clock import ticks_add, ticks_diff
from emeter.feeds.cadence import Cadence
from emeter.lazy import forget

POLL_S = 0.005
KEEP_ALIVE_S = 60
HEARTBEAT_MS = 20000
BACKOFF_MIN_MS = 1000
BACKOFF_MAX_MS = 64000
DISCOVERY_PER_POLL = 3
_CODES_MAX = 128            # codes whose discovery kind is remembered
_REFUSED_FOR_GOOD = (4, 5)  # CONNACK: bad user name or password, not authorised


def timeouts(budget_ms):
    """(connect timeout, receive timeout) in seconds for a UART budget: one attempt
    (MiniMQTT's connection manager may try the TCP connect twice) stays inside it."""
    t = budget_ms / 6000
    t = 0.05 if t < 0.05 else 1.0 if t > 1.0 else t
    return t, 2 * t


def state_json(message):
    """The state document: the /data.json message fields without the frame details."""
    p = Pairs()
    p.add("format", message.format)
    p.add("timestamp", message.timestamp)
    p.add("meter", message.meter)
    p.add("readings", Pairs([(r.obis, r) for r in message.readings]))
    return dumps(p)


class MqttFeed:
    def __init__(self, board, settings, budget_ms=355, drain=None, client_factory=None,
                 hostname="emeter", web_port=None):
        self.board = board
        self.host = settings["mqtt_host"]
        self.port = settings["mqtt_port"]
        self.user = settings["mqtt_user"] or None
        self.password = settings["mqtt_password"] or None
        prefix = settings["mqtt_prefix"]
        self.state_topic = prefix + "/state"
        self.avail_topic = prefix + "/status"
        self.discovery = bool(settings["ha_discovery"])
        self.ha_prefix = settings["ha_prefix"]
        self.before_2025_6 = bool(settings["ha_before_2025_6"])
        self.birth_topic = self.ha_prefix + "/status"
        self.hostname = hostname
        self.web_port = web_port     # () -> the device page's port (for configuration_url)
        self.drain = drain
        self.connect_s, self.recv_s = timeouts(budget_ms)
        self._factory = client_factory or self._minimqtt
        self.client = None
        self.connected = False
        self.refused = False         # the broker refused our credentials: stop trying
        self.next_try = board.ticks_ms()
        self.backoff_ms = 0
        self.heartbeat_at = None
        self.message = None          # latest message, republished on HA's birth
        self.announced = {}          # obis -> expire_after sent in its config
        self.pending = []            # obis codes whose config is still to be sent
        self.cadence = Cadence()
        self.codes = {}              # obis -> None (no sensor), True (a register) or False
        self._obismap_kept = False   # obismap was loaded by another feed: leave it loaded
        self.birth = False
        # counters
        self.published = 0
        self.dropped = 0             # messages not sent: broker away or a send failed
        self.connects = 0
        self.failures = 0            # connection attempts that failed
        self.disconnects = 0         # connections lost after they were up
        self.last_error = None

    # --- the client -------------------------------------------------------
    def _minimqtt(self):
        # made once (the client is kept across reconnects): mqttclient.py is let go after
        from emeter.feeds import mqttclient
        try:
            return mqttclient.make(self, KEEP_ALIVE_S)
        finally:
            forget("emeter.feeds.mqttclient")

    def _poll_mode(self, fast):
        # MiniMQTT 8.x keeps its socket and timeout in these attributes; after CONNACK
        # the feed only ever waits POLL_S for incoming packets.
        c = self.client
        t = POLL_S if fast else self.connect_s
        c._socket_timeout = t
        if c._sock is not None:
            c._sock.settimeout(t)

    def _connect(self):
        if self.drain is not None:
            self.drain()  # the whole UART budget for the attempt
        if self.client is None:
            self.client = self._factory()
        c = self.client
        try:
            self._poll_mode(False)
            c.connect()
            self._poll_mode(True)
            if self.discovery:
                c.subscribe(self.birth_topic)
            c.publish(self.avail_topic, "online", retain=True)
        except Exception as e:  # refused, timed out, bad credentials, DNS ...
            self._close()
            self.failures += 1
            self.last_error = repr(e)
            if getattr(e, "code", None) in _REFUSED_FOR_GOOD:
                self.refused = True
                print("emeter: MQTT broker refused the credentials: %r" % (e,))
                return False
            self.backoff_ms = min(BACKOFF_MAX_MS, max(BACKOFF_MIN_MS, self.backoff_ms * 2))
            jitter = self.board.ticks_ms() % (self.backoff_ms // 4 + 1)
            self.next_try = ticks_add(self.board.ticks_ms(), self.backoff_ms + jitter)
            return False
        self.connected = True
        self.connects += 1
        self.backoff_ms = 0
        self.heartbeat_at = ticks_add(self.board.ticks_ms(), HEARTBEAT_MS)
        self._announce_all()
        return True

    def _close(self):
        c = self.client
        self.connected = False
        if c is None:
            return
        try:
            c._close_socket()
        except Exception:
            pass
        c._is_connected = False

    def _lost(self, e):
        self.last_error = repr(e)
        self.disconnects += 1
        self._close()
        self.backoff_ms = 0
        self.next_try = self.board.ticks_ms()  # first retry at once, then back off

    def _on_message(self, client, topic, payload):
        if topic == self.birth_topic and payload == "online":
            self.birth = True

    # --- the discovery module: loaded while a new code is sized up or configs go out ---
    def _hadiscovery(self):
        self._obismap_kept = "emeter.feeds.obismap" in sys.modules
        from emeter.feeds import hadiscovery
        return hadiscovery

    def _let_go(self):
        forget("emeter.feeds.hadiscovery")
        if not self._obismap_kept:
            forget("emeter.feeds.obismap")

    def _kind(self, obis, had=None):
        """None for a code that gets no sensor, else whether it is a register; learnt once
        per code (had: the discovery module, loaded by the caller when it is new)."""
        if obis not in self.codes:
            had = had or self._hadiscovery()
            if len(self.codes) >= _CODES_MAX:  # a meter sending ever new codes: start over
                self.codes = {}
            self.codes[obis] = had.is_register(obis) if had.known(obis) else None
        return self.codes[obis]

    def _announce_all(self):
        if not self.discovery or self.message is None:
            return
        had = None
        for r in self.message.readings:
            if r.obis not in self.codes:
                had = had or self._hadiscovery()
            if r.obis not in self.pending and self._kind(r.obis, had) is not None:
                self.pending.append(r.obis)
        if had is not None:
            had = None
            self._let_go()

    # --- the feed ----------------------------------------------------------
    def message_in(self, message):
        """A decoded message (from the reader): publish its state, or count it dropped."""
        now = self.board.ticks_ms()
        self.message = message
        if self.discovery:
            had = None
            for r in message.readings:
                if r.obis not in self.codes:
                    had = had or self._hadiscovery()
                kind = self._kind(r.obis, had)
                if kind is None:
                    continue
                self.cadence.seen(r.obis, now, ticks_diff)
                exp = self.cadence.expire_s(r.obis, kind)
                sent = self.announced.get(r.obis)
                if (sent is None or exp > sent or 2 * exp < sent) and r.obis not in self.pending:
                    self.pending.append(r.obis)
            if had is not None:
                had = None
                self._let_go()
        if not self.connected:
            self.dropped += 1
            return
        self._publish(self.state_topic, state_json(message), True)

    def _publish(self, topic, payload, retain=False):
        try:
            self.client.publish(topic, payload, retain=retain)
        except Exception as e:
            self.dropped += 1
            self._lost(e)
            return False
        self.published += 1
        return True

    def _send_discovery(self):
        hadiscovery = self._hadiscovery()
        try:
            return self._send_configs(hadiscovery)
        finally:
            hadiscovery = None
            self._let_go()

    def _send_configs(self, hadiscovery):
        m = self.message
        try:
            ip = self.board.wifi_status().get("ip")
            port = self.web_port() if self.web_port is not None else 80
            if ip and port != 80:
                ip = "%s:%d" % (ip, port)
        except Exception:
            ip = None
        dev = hadiscovery.device(m, self.hostname, ip)
        n = 0
        while self.pending and n < DISCOVERY_PER_POLL and self.connected:
            obis = self.pending.pop(0)
            r = m.reading(obis)
            if r is None:
                continue
            exp = self.cadence.expire_s(obis, self._kind(obis, hadiscovery))
            cfg = hadiscovery.config(m, r, self.hostname, self.state_topic, self.avail_topic, exp, dev,
                                     self.before_2025_6)
            if cfg is None:
                continue
            if self._publish(hadiscovery.topic(self.ha_prefix, m, self.hostname, obis), cfg[1], True):
                self.announced[obis] = exp
            n += 1
        return n > 0

    def poll(self):
        """One bounded step (a scheduler slot)."""
        now = self.board.ticks_ms()
        if not self.connected:
            if self.refused or ticks_diff(now, self.next_try) < 0:
                return False
            return self._connect()
        try:
            self.client.loop(timeout=POLL_S)
        except Exception as e:
            if getattr(e, "errno", None) not in (errno.EAGAIN, errno.ETIMEDOUT):
                self._lost(e)
                return True
        if self.birth:
            self.birth = False
            self.announced = {}
            self._announce_all()
            if self.message is not None:
                self._publish(self.state_topic, state_json(self.message), True)
        busy = False
        if self.pending and self.message is not None:
            busy = self._send_discovery()
        if self.connected and ticks_diff(now, self.heartbeat_at) >= 0:
            self.heartbeat_at = ticks_add(now, HEARTBEAT_MS)
            self._publish(self.avail_topic, "online", True)
        return busy

    def close(self):
        if self.connected:
            try:
                self.client.publish(self.avail_topic, "offline", retain=True)
                self.client.disconnect()
            except Exception:
                pass
        self._close()

    def counters(self):
        return [("connected", 1 if self.connected else 0), ("refused", 1 if self.refused else 0),
                ("published", self.published),
                ("dropped", self.dropped), ("connects", self.connects),
                ("connect_failures", self.failures), ("disconnects", self.disconnects)]
