"""Wi-Fi supervision: station when it can, access point (setup portal) when it cannot.

  start:    already connected (CircuitPython may join by itself from settings.toml)
            -> station; no network configured -> access point; else joining.
  joining:  one join attempt per due time, backing off 2, 4 ... 32 s; failing for
            `give_up_ms` -> access point.
  station:  checks the link each call; lost -> joining.
  ap:       `emeter-XXXX` (last MAC digits) plus the captive DNS; every
            `ap_retry_ms` one join attempt, and on success a restart into station.
A join blocks inside the radio for up to `join_timeout_s` (see scheduler.py).
"""

from emeter.clock import ticks_add, ticks_diff

_BACKOFF_CAP_MS = 32000


def ap_name(mac):
    digits = (mac or "").replace(":", "").replace("-", "").upper()
    return "emeter-" + (digits[-4:] if len(digits) >= 4 else "0000")


class WifiSupervisor:
    def __init__(self, board, ssid, password, on_up=None, join_timeout_s=10,
                 give_up_ms=120000, ap_retry_ms=300000):
        self.board = board
        self.ssid = ssid
        self.password = password
        self.on_up = on_up or (lambda mode, ip: None)
        self.join_timeout_s = join_timeout_s
        self.give_up_ms = give_up_ms
        self.ap_retry_ms = ap_retry_ms
        self.mode = "start"
        self.failures = 0
        self.first_fail = None
        self.next_try = None
        self.ap_since = None
        self.ap_ip = None
        self.restart_wanted = False

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
        self.first_fail = None
        self.next_try = self.board.ticks_ms()

    def _station(self, st=None):
        self.mode = "station"
        self.failures = 0
        self.first_fail = None
        st = st or self.board.wifi_status()
        self.on_up("station", st.get("ip"))

    def _ap(self):
        mac = self.board.wifi_status().get("mac")
        self.ap_ip = self.board.wifi_start_ap(ap_name(mac))
        self.mode = "ap"
        self.ap_since = self.board.ticks_ms()
        self.on_up("ap", self.ap_ip)

    def _join(self):
        try:
            return bool(self.board.wifi_connect(self.ssid, self.password, self.join_timeout_s))
        except Exception:  # radio errors (wrong password, no such network) count as a failure
            return False

    def poll(self):
        now = self.board.ticks_ms()
        if self.mode == "joining":
            if self.first_fail is not None and ticks_diff(now, self.first_fail) >= self.give_up_ms:
                self._ap()
                return True
            if ticks_diff(now, self.next_try) < 0:
                return False
            if self._join():
                self._station()
                return True
            now = self.board.ticks_ms()
            self.failures += 1
            if self.first_fail is None:
                self.first_fail = now
            if ticks_diff(now, self.first_fail) >= self.give_up_ms:
                self._ap()
                return True
            self.next_try = ticks_add(now, min(_BACKOFF_CAP_MS, 1000 << min(self.failures, 5)))
            return True
        if self.mode == "station":
            if not self.board.wifi_status().get("connected"):
                self._joining()
            return False
        if self.mode == "ap" and self.ssid and ticks_diff(now, self.ap_since) >= self.ap_retry_ms:
            self.ap_since = now
            if self._join():
                self.restart_wanted = True  # a clean start as a station
            return True
        return False

    def led_pattern(self):
        return {"ap": "ap", "station": "ok"}.get(self.mode, "joining")
