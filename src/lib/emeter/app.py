"""The application: wires state, meter reader, scheduler, Wi-Fi, web and button together.

`run(board)` is all code.py calls.  Everything here talks to the hardware only
through the Board interface (board.py), so host mode and tests run this same code.
"""

from cosem.jsonw import Pairs

from emeter.button import LongPress
from emeter.clock import ticks_add, ticks_diff
from emeter.web.datajson import device
from emeter.decoding import make_decoder
from emeter.lazy import forget
from emeter.store.energy import Energy
from emeter.store.faillog import FailLog
from emeter.feeds.hub import Feeds
from emeter.store.history import PowerHistory
from emeter.led import Led
from emeter.reader import MeterReader, quiet_ms
from emeter.scheduler import Scheduler, budget_ms
from emeter.store.settings import Settings
from emeter.net.sntp import PORT as NTP_PORT, SERVER as NTP_SERVER, Sntp
from emeter.state import State
from emeter.web.routes import Web
from emeter.net.wifi import WifiSupervisor

WATCHDOG_S = 30       # longer than a Wi-Fi join, shorter than a person's patience
AUTOBAUD_MS = 6000    # time per serial setting while autodetecting
LOG_QUIET_MS = 100    # write log.txt within this long after a frame ended ...
LOG_IDLE_MS = 5000    # ... or once the line has been quiet this long
# Autodetect order: DSMR 4/5, HDLC/M-Bus lists (2400 8E1 / 8N1), 9600, DSMR 2.2/3.
AUTOBAUD = ((115200, 8, "N"), (2400, 8, "E"), (2400, 8, "N"), (9600, 8, "E"),
            (9600, 8, "N"), (9600, 7, "E"), (115200, 8, "E"))


def log_ring_bytes(wanted, free):
    """The log ring lives in RAM: on a board with little heap it takes at most a quarter
    of what is free at start (never under 8 kB), so the decoder and the pages keep room."""
    if free is None:
        return wanted
    return max(min(wanted, 8192), min(wanted, free // 4))


class App:
    def __init__(self, board, port=80, log_limit=65536, log_interval_ms=60000, dns_port=53,
                 refresh_s=10, host="0.0.0.0", ntp_server=NTP_SERVER, ntp_port=NTP_PORT):
        self.board = board
        self.web_host = host
        self.port = port
        self.dns_port = dns_port
        self.refresh_s = refresh_s
        self.settings = Settings.load(board)
        self.state = State(board)
        self.history = PowerHistory(board.ticks_ms)  # the dashboard's power graph
        self.energy = Energy(board, self.settings["timezone"], self.settings["peaks_n"])
        self.log = FailLog(board, log_ring_bytes(log_limit, board.free_memory()), log_interval_ms)
        self.decoder = make_decoder(self.settings)
        self.reader = MeterReader(board, self.decoder, self.state, self.log,
                                  limit=self._uart_bytes())
        s = self.settings
        self.serial = (s["baud"] or AUTOBAUD[0][0], s["bits"], s["parity"])
        self.autobaud = None if s["baud"] else 0  # index into AUTOBAUD while detecting
        self._autobaud_since = None
        self.sched = Scheduler(board, self.reader.drain, self._budget())
        self.led = Led(board)
        self.button = LongPress()
        self.reader.on_message = self._message
        self.wifi = WifiSupervisor(board, s["wifi_ssid"], s["wifi_password"], on_up=self._network_up)
        self.web = Web(self, board.socket_pool())
        self.feeds = Feeds(self)  # raw TCP, DSMR bridge, MQTT, HTTP push, /metrics
        self.reader.on_bytes = self.feeds.bytes_in
        self.web_started = False
        self.dns = None
        # the clock, from a time server once Wi-Fi is up (boards forget it at every reset)
        self.sntp = Sntp(board, ntp_server, ntp_port, before_block=self.sched.drain)
        self.restart_at = None
        self.errors = 0
        self.serial_error = None

    # --- start and loop --------------------------------------------------
    def _uart_bytes(self):
        return getattr(self.board, "uart_buffer_bytes", 4096)

    def _budget(self):
        baud, bits, parity = self.serial
        return budget_ms(self._uart_bytes(), baud, bits, parity)

    def _open_serial(self):
        baud, bits, parity = self.serial
        s = self.settings
        try:
            self.board.serial_open(baud, bits, parity, 1, s["rx_pin"] or None, bool(s["invert"]))
            self.serial_error = None
        except Exception as e:  # a wrong pin must not take /setup down with it
            self.serial_error = repr(e)
            print("emeter: serial port: %s" % self.serial_error)
        self.sched.set_budget(self._budget())
        self.reader.quiet_ms = quiet_ms(baud, bits, parity)
        self._autobaud_since = self.board.ticks_ms()

    def start(self):
        board = self.board
        board.watchdog_start(WATCHDOG_S)
        self._open_serial()
        sched = self.sched
        sched.every("http", self.web.poll, 0)
        sched.every("dns", self._dns_poll, 0)
        sched.every("sntp", self._sntp_poll, 100)
        sched.every("button", self._button, 50)
        sched.every("led", self.led.update, 50)
        sched.every("wifi", self._wifi_poll, 1000)
        sched.every("logwrite", self._log_write, 0)
        sched.every("housekeeping", self._housekeeping, 1000)
        self.feeds.start(sched)
        self.wifi.start()
        self.led.set(self.wifi.led_pattern())

    def step(self):
        try:
            return self.sched.step()
        except Exception as e:  # keep reading the meter whatever a slot did
            self.errors += 1
            print("emeter: %r" % (e,))
            return True

    # --- events ----------------------------------------------------------
    def _message(self, message):
        self.led.flash()
        self.history.message_in(message)
        try:  # kWh per hour/day/month; writes its file when an hour has closed
            self.energy.feed(message, None if message.timestamp else self.board.wall_time())
            if self.energy.note:
                print("emeter: energy: %s" % self.energy.note)
                self.energy.note = None
        except Exception as e:  # e.g. a drive the computer has mounted: keep reading the meter
            print("emeter: energy: %r" % (e,))
        self.feeds.message_in(message)

    def _network_up(self, mode, ip):
        if not self.web_started:
            self.web.start(self.port, self.web_host)
            self.web_started = True
        if mode == "ap" and self.dns is None and ip:
            from emeter.net.dns import DnsResponder  # only the setup access point answers DNS
            try:
                self.dns = DnsResponder(self.board.socket_pool(), ip, self.dns_port)
            except OSError as e:
                print("emeter: no captive DNS: %r" % (e,))
        if mode == "station" and not getattr(self.board, "keeps_wall_time", False):
            self.sntp.start()
        if mode == "station":
            try:
                self.board.mdns_advertise(self.settings["hostname"], self.port)
            except Exception as e:
                print("emeter: no mDNS: %r" % (e,))
        self.led.set(self.wifi.led_pattern())

    def _sntp_poll(self):
        # only as a station: in AP mode (or while joining) no time server is reachable
        return self.sntp.poll() if self.wifi.mode == "station" else False

    def _dns_poll(self):
        return self.dns.poll() if self.dns is not None else False

    def _wifi_poll(self):
        busy = self.wifi.poll()
        self.led.set(self.wifi.led_pattern())
        return busy

    def _button(self):
        if self.button.update(self.board.button_pressed(), self.board.ticks_ms()):
            self.factory_reset()
        return False

    def factory_reset(self):
        self.led.set("reset")
        self.led.update()
        try:
            Settings.erase(self.board)
        except OSError as e:  # e.g. the drive is mounted over USB: say so, restart anyway
            print("emeter: settings not erased: %r" % (e,))
        self.restart_now()

    def _log_write(self):
        # Writing log.txt (up to 64 kB of flash) may take longer than the UART budget, so
        # it waits (at most once a minute) for the quiet gap right after a frame, which
        # P1 and HAN meters leave between their messages, or for a line that is idle.
        if not self.log.due():
            return False
        since = self.state.since_frame_ms()
        if since is None or since < LOG_QUIET_MS or since > LOG_IDLE_MS:
            return self.log.flush()
        return False

    def _housekeeping(self):
        if self.autobaud is not None:
            self._autobaud_step()
        if self.restart_at is not None and ticks_diff(self.board.ticks_ms(), self.restart_at) >= 0:
            self.restart_now()
        return False

    def _autobaud_step(self):
        # Lock on the first setting that decodes a frame; otherwise move on.
        if self.state.frames_ok:
            self.autobaud = None
            return
        if ticks_diff(self.board.ticks_ms(), self._autobaud_since) < AUTOBAUD_MS:
            return
        self.autobaud = (self.autobaud + 1) % len(AUTOBAUD)
        self.serial = AUTOBAUD[self.autobaud]
        self.decoder = make_decoder(self.settings)
        self.reader.decoder = self.decoder
        self._open_serial()

    def restart_later(self, ms):
        self.restart_at = ticks_add(self.board.ticks_ms(), ms)

    def restart_now(self):
        try:
            self.log.flush(force=True)
        except OSError as e:  # a log that cannot be saved must not stop the restart
            print("emeter: log not saved: %r" % (e,))
        self.feeds.close()  # free the feed ports for the next run (host mode)
        self.board.restart()

    def save_settings(self, new):
        new.save(self.board)
        self.settings = new

    # --- what the pages show --------------------------------------------
    def title(self):
        return "Meter %s" % self.settings["hostname"]

    def setup_note(self):
        return _page_info("setup_note", self)

    def wifi_info(self):
        try:
            return self.board.wifi_status()
        except Exception:
            return {}

    def status_rows(self):
        return _page_info("status_rows", self)

    def extra_counters(self):
        return [("late", self.sched.late), ("worst_gap_ms", self.sched.worst_ms),
                ("http_dropped", self.web.gate.dropped), ("http_busy", self.web.gate.busy),
                ("auth_failed", self.web.auth_failed), ("log_dropped", self.log.dropped),
                ("errors", self.errors + self.sched.errors + self.web.errors)]

    def counter_rows(self):
        return _page_info("counter_rows", self)

    def device_json(self):
        p = device(self.state, self.wifi_info(), self.settings["hostname"], self.extra_counters())
        p.add("feeds", Pairs([(name, Pairs(list(pairs))) for name, pairs in self.feeds.counters()]))
        return p


def _page_info(name, app):
    # what only a page shows: appstatus.py, loaded for the page and let go
    from emeter import appstatus
    try:
        return getattr(appstatus, name)(app)
    finally:
        forget("emeter.appstatus")


def run(board, port=80, **kw):
    """Build the application on this board and loop forever."""
    app = App(board, port, **kw)
    app.start()
    while True:
        app.step()
