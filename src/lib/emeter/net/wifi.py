"""Wi-Fi supervision: station when it can; the open setup access point only while unconfigured.

  start:    already connected (CircuitPython may join by itself from settings.toml)
            -> station; no network configured (first boot, after the button reset)
            -> access point; else joining.
  joining:  one join attempt per due time, backing off 2, 4 ... 32 s, for as long as it
            takes: a configured device never opens an access point (an open one would
            hand the setup page to anyone in radio range).  LED: fast blink.
  station:  checks the link each call; lost -> joining.
  ap:       `emeter-XXXX` (last MAC digits), open, plus the captive DNS.  LED: slow blink.
A join blocks inside the radio for up to `join_timeout_s` (see scheduler.py).
"""

from emeter.clock import ticks_add, ticks_diff

_BACKOFF_CAP_MS = 32000


def ap_name(mac):
    digits = (mac or "").replace(":", "").replace("-", "").upper()
    return "emeter-" + (digits[-4:] if len(digits) >= 4 else "0000")


class WifiSupervisor:
    def __init__(self, board, ssid, password, on_up=None, join_timeout_s=10):
        self.board = board
        self.ssid = ssid
        self.password = password
        self.on_up = on_up or (lambda mode, ip: None)
        self.join_timeout_s = join_timeout_s
        self.mode = "start"
        self.failures = 0
        self.next_try = None
        self.ap_ip = None

    def start(self):
        st = self.board.wifi_status()
        if st.get("connected"):
            self._station(st)
        elif not self.ssid:
            self._ap()
        else:
            self._joining()

    def _joining(self):
        self.mode = "joining"
        self.failures = 0
        self.next_try = self.board.ticks_ms()

    def _station(self, st=None):
        self.mode = "station"
        self.failures = 0
        st = st or self.board.wifi_status()
        self.on_up("station", st.get("ip"))

    def _ap(self):
        mac = self.board.wifi_status().get("mac")
        self.ap_ip = self.board.wifi_start_ap(ap_name(mac))
        self.mode = "ap"
        self.on_up("ap", self.ap_ip)

    def _join(self):
        try:
            return bool(self.board.wifi_connect(self.ssid, self.password, self.join_timeout_s))
        except Exception:  # radio errors (wrong password, no such network) count as a failure
            return False

    def poll(self):
        if self.mode == "joining":
            if ticks_diff(self.board.ticks_ms(), self.next_try) < 0:
                return False
            if self._join():
                self._station()
                return True
            self.failures += 1
            self.next_try = ticks_add(self.board.ticks_ms(),
                                      min(_BACKOFF_CAP_MS, 1000 << min(self.failures, 5)))
            return True
        if self.mode == "station" and not self.board.wifi_status().get("connected"):
            self._joining()
        return False

    def led_pattern(self):
        return {"ap": "ap", "station": "ok"}.get(self.mode, "joining")
