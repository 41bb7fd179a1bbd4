"""What the device knows right now: the latest good message and the counters."""

from emeter.clock import ticks_diff

# Failure reasons that mean "the key is missing or wrong" (also counted per reason).
_CRYPTO = ("no-key", "decrypt", "auth")


def iso(t):
    """(Y, M, D, h, m, s) -> '2026-11-24T07:22:08Z'."""
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(t[:6])


class State:
    def __init__(self, board):
        self.board = board
        self.boot = board.ticks_ms()
        self.message = None        # latest good cosem Message
        self.message_ticks = None  # board ticks when it arrived
        self.message_time = None   # wall-clock ISO text when it arrived (None: clock unset)
        self.bytes = 0
        self.frames_ok = 0
        self.rejected = {}         # reason -> count
        self.decrypt_failures = 0
        self.overruns = 0          # receive-buffer overruns the port reported
        self.reconnects = 0        # times the port failed and came back
        self.last_failure = None   # (reason, text) of the latest rejected frame
        self.frame_ticks = None    # when the latest frame (good or bad) ended

    def now_text(self):
        """Wall-clock ISO text, or '+<uptime>s' when the clock is not set."""
        t = self.board.wall_time()
        if t:
            return iso(t)
        return "+%ds" % (self.uptime_ms() // 1000)

    def uptime_ms(self):
        return ticks_diff(self.board.ticks_ms(), self.boot)

    def elapsed_ms(self):
        """Milliseconds since the latest good message, or None."""
        if self.message_ticks is None:
            return None
        return ticks_diff(self.board.ticks_ms(), self.message_ticks)

    def good(self, message):
        self.message = message
        self.message_ticks = self.board.ticks_ms()
        t = self.board.wall_time()
        self.message_time = iso(t) if t else None
        self.frames_ok += 1
        self.frame_ticks = self.message_ticks

    def bad(self, failure):
        r = failure.reason
        self.rejected[r] = self.rejected.get(r, 0) + 1
        if r in _CRYPTO:
            self.decrypt_failures += 1
        self.last_failure = (r, failure.text)
        self.frame_ticks = self.board.ticks_ms()

    def since_frame_ms(self):
        """Milliseconds since the latest frame ended, or None before the first."""
        if self.frame_ticks is None:
            return None
        return ticks_diff(self.board.ticks_ms(), self.frame_ticks)

    def rejected_total(self):
        n = 0
        for k in self.rejected:
            n += self.rejected[k]
        return n

    def counters(self):
        """Ordered (name, value) pairs for the page and data.json."""
        rej = []
        for k in sorted(self.rejected):
            rej.append((k, self.rejected[k]))
        return [
            ("bytes", self.bytes),
            ("frames_ok", self.frames_ok),
            ("frames_rejected", self.rejected_total()),
            ("rejected", rej),
            ("decrypt_failures", self.decrypt_failures),
            ("overruns", self.overruns),
            ("reconnects", self.reconnects),
        ]
