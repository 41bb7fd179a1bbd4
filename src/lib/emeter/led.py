"""The status LED as a table of blink patterns, driven from a minor slot."""

from emeter.clock import ticks_diff

# pattern -> (on ms, off ms); (1, 0) is steady on, (0, 1) is off.
PATTERNS = {
    "ap": (1000, 1000),       # access point / setup portal: slow blink
    "joining": (150, 150),    # trying to join Wi-Fi: fast blink
    "ok": (0, 1),             # connected: off, a short flash per good message
    "reset": (1, 0),          # button held long enough: steady on, then restart
}
_FLASH_MS = 60


class Led:
    def __init__(self, board):
        self.board = board
        self.pattern = "joining"
        self.state = None
        self.flash_at = None
        self.t0 = board.ticks_ms()

    def set(self, pattern):
        if pattern != self.pattern:
            self.pattern = pattern
            self.t0 = self.board.ticks_ms()

    def flash(self):
        self.flash_at = self.board.ticks_ms()

    def update(self):
        now = self.board.ticks_ms()
        on_ms, off_ms = PATTERNS[self.pattern]
        if off_ms == 0:
            on = True
        elif on_ms == 0:
            on = self.flash_at is not None and ticks_diff(now, self.flash_at) < _FLASH_MS
        else:
            on = ticks_diff(now, self.t0) % (on_ms + off_ms) < on_ms
        if on != self.state:
            self.state = on
            self.board.led(on)
