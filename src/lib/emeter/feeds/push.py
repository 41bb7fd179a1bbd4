"""HTTP push: the latest message to InfluxDB (v1 /write?db= or v2 /api/v2/write, token),
or the latest DSMR telegram (as received, or bridged from DLMS) to a dsmr-reader
datalogger (POST /api/v1/datalogger/dsmrreading, X-AUTHKEY header).

Rate-limited to one request per interval; only the newest message waits (never a
queue).  A request blocks, so it is bounded by a timeout taken from the UART
budget and the meter port is drained just before it.  adafruit_requests on the
board; on the host the same Session over CPython's socket module.
"""

from emeter.clock import ticks_add, ticks_diff

# Each mode loads only its own writer (on the first push): the DSMR bridge and the OBIS
# table it reads are no use to an InfluxDB push, the line protocol none to dsmr-reader.

DSMR_READER_PATH = "/api/v1/datalogger/dsmrreading"


def _form_escape(s):
    out = []
    for b in s.encode("utf-8"):
        ch = chr(b)
        if b < 128 and (ch.isalpha() or ch.isdigit() or ch in "-_.~"):
            out.append(ch)
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def request_for(mode, url, token, message):
    """(url, body bytes, headers) for the newest message, or None if nothing to send."""
    if mode == "influx":
        from emeter.feeds.influx import line
        text = line(message)
        if text is None:
            return None
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        if ":" in token:  # user:password (InfluxDB 1.x, or taken out of the URL)
            from binascii import b2a_base64
            headers["Authorization"] = "Basic " + b2a_base64(token.encode()).decode().strip()
        elif token:
            headers["Authorization"] = "Token " + token
        return url, (text + "\n").encode("utf-8"), headers
    if mode == "dsmrreader":
        if message.raw[:1] == b"/" and message.frame is None:  # text as it came, not ciphered
            raw = message.raw
        else:
            from emeter.feeds.dsmrbridge import telegram
            raw = telegram(message)
        if not raw:
            return None
        if "/api/" not in url:
            url = url.rstrip("/") + DSMR_READER_PATH
        body = "telegram=" + _form_escape(bytes(raw).decode("ascii", "replace"))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if token:
            headers["X-AUTHKEY"] = token
        return url, body.encode("ascii"), headers
    return None


class HttpPush:
    def __init__(self, board, settings, budget_ms=355, drain=None, session=None):
        self.board = board
        self.mode = settings["push_mode"]
        self.url = settings["push_url"]
        self.token = settings["push_token"]
        self.interval_ms = settings["push_interval"] * 1000
        self.timeout_s = min(2.0, max(0.1, budget_ms / 3000))
        self.drain = drain
        self._session = session
        self.latest = None
        self.due = board.ticks_ms()
        self.sent = 0
        self.failed = 0
        self.skipped = 0     # messages replaced by a newer one before their turn
        self.last_error = None
        self.last_status = None

    def session(self):
        if self._session is None:
            import adafruit_requests
            try:  # https:// needs a TLS context; both CPython and CircuitPython have ssl
                import ssl
                ctx = ssl.create_default_context()
            except (ImportError, AttributeError, OSError):
                ctx = None
            self._session = adafruit_requests.Session(self.board.socket_pool(), ctx)
        return self._session

    def message_in(self, message):
        if self.latest is not None:
            self.skipped += 1
        self.latest = message

    def poll(self):
        if self.latest is None or ticks_diff(self.board.ticks_ms(), self.due) < 0:
            return False
        m = self.latest
        self.latest = None
        self.due = ticks_add(self.board.ticks_ms(), self.interval_ms)
        req = request_for(self.mode, self.url, self.token, m)
        if req is None:
            return False
        url, body, headers = req
        if self.drain is not None:
            self.drain()
        try:
            r = self.session().post(url, data=body, headers=headers, timeout=self.timeout_s)
            status = r.status_code
            try:
                r.close()
            except Exception:
                pass
        except Exception as e:  # refused, timed out, DNS: counted, logged, next interval
            self.failed += 1
            self.last_error = repr(e)
            print("emeter: push failed: %s" % self.last_error)
            return True
        self.last_status = status
        if 200 <= status < 300:
            self.sent += 1
        else:
            self.failed += 1
            self.last_error = "HTTP %d" % status
            print("emeter: push refused: HTTP %d" % status)
        return True

    def counters(self):
        return [("sent", self.sent), ("failed", self.failed), ("skipped", self.skipped)]
