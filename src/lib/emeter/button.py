"""The boot button: held for `hold_ms` means "erase settings"; shorter presses do nothing."""

from emeter.clock import ticks_diff


class LongPress:
    def __init__(self, hold_ms=5000):
        self.hold_ms = hold_ms
        self.since = None   # ticks when the current press began
        self.fired = False

    def update(self, pressed, now):
        """Feed the button state; True once, when a press reaches hold_ms."""
        if not pressed:
            self.since = None
            self.fired = False
            return False
        if self.since is None:
            self.since = now
        if not self.fired and ticks_diff(now, self.since) >= self.hold_ms:
            self.fired = True
            return True
        return False

    def holding(self, now):
        """How long the current press has lasted (ms), 0 when released."""
        return 0 if self.since is None else ticks_diff(now, self.since)
