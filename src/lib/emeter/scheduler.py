"""The loop: a major cycle that drains the meter UART, and minor slots between.

The budget.  The UART's receive buffer holds `buffer_bytes`; at `baud` with
`char_bits` bits per character (start + data + parity + stop) it is full after

    budget_ms = buffer_bytes * char_bits * 1000 / baud
    (4096 B at 115200 8N1: 355 ms; at 2400 8E1: 18.8 s)

The scheduler drains the UART before every minor slot, and never lets a slot
start once half the budget (`slice_ms`) has passed since the last drain.  Work
that can take long (sending a page, writing the log) is cut into steps and
calls `pump()` between them, which drains again when the slice is used up.  The
other half of the budget is the margin for one step plus the drain itself.
Every gap between drains is measured: `worst_ms` keeps the longest and `late`
counts gaps longer than the whole budget, so a slot that breaks the rule shows
up in the counters (and in the tests) instead of as silently lost frames.
Two known exceptions block inside the board's network stack: a Wi-Fi join (only
while Wi-Fi is down) and the name lookup before an SNTP request (once per
attempt, right after a drain; `lookup_worst_ms` keeps its longest). Both are
counted like any other late gap.
"""

from emeter.clock import ticks_add, ticks_diff

_IDLE_MS = 5  # sleep when a pass found nothing to do (host CPU; board power)


def char_bits(bits, parity, stop=1):
    return 1 + bits + (0 if parity == "N" else 1) + stop


def budget_ms(buffer_bytes, baud, bits=8, parity="N", stop=1):
    """How long the UART buffer lasts at this line speed, in milliseconds."""
    return buffer_bytes * char_bits(bits, parity, stop) * 1000 // baud


class Task:
    __slots__ = ("name", "fn", "period", "due", "runs", "worst_ms")

    def __init__(self, name, fn, period, due):
        self.name = name
        self.fn = fn
        self.period = period
        self.due = due
        self.runs = 0
        self.worst_ms = 0


class Scheduler:
    """Round-robin minor slots around one major job (drain)."""

    def __init__(self, board, drain, budget, idle_ms=_IDLE_MS):
        self.board = board
        self._drain = drain
        self.tasks = []
        self.idle_ms = idle_ms
        self.set_budget(budget)
        self._last = board.ticks_ms()
        self.late = 0       # gaps between drains longer than the budget
        self.worst_ms = 0   # the longest such gap seen
        self.drains = 0
        self.errors = 0        # exceptions raised by slots (the loop goes on)
        self.last_error = None

    def set_budget(self, budget):
        self.budget_ms = max(2, budget)
        self.slice_ms = max(1, self.budget_ms // 2)
        self.idle_ms = min(self.idle_ms, self.slice_ms // 2)

    def every(self, name, fn, period_ms):
        """Run fn() about every period_ms (0: every pass)."""
        t = Task(name, fn, period_ms, self.board.ticks_ms())
        self.tasks.append(t)
        return t

    def drain(self):
        now = self.board.ticks_ms()
        gap = ticks_diff(now, self._last)
        if gap > self.worst_ms:
            self.worst_ms = gap
        if gap > self.budget_ms:
            self.late += 1
        busy = self._drain()
        self._last = self.board.ticks_ms()
        self.drains += 1
        return busy

    def pump(self):
        """Called by long work between steps: drain if the slice is used up."""
        if ticks_diff(self.board.ticks_ms(), self._last) >= self.slice_ms:
            self.drain()

    def since_drain_ms(self):
        return ticks_diff(self.board.ticks_ms(), self._last)

    def step(self):
        """One pass: drain, then every due slot with a drain before each."""
        busy = self.drain()
        board = self.board
        for t in self.tasks:
            now = board.ticks_ms()
            if ticks_diff(now, t.due) < 0:
                continue
            if ticks_diff(now, self._last) >= self.slice_ms:
                self.drain()
                now = board.ticks_ms()
            t.due = ticks_add(now, t.period)
            try:
                if t.fn():
                    busy = True
            except Exception as e:  # one broken slot must not starve the others
                self.errors += 1
                self.last_error = "%s: %r" % (t.name, e)
            took = ticks_diff(board.ticks_ms(), now)
            t.runs += 1
            if took > t.worst_ms:
                t.worst_ms = took
        board.watchdog_feed()
        if not busy and self.idle_ms > 0:
            board.sleep_ms(self.idle_ms)
        return busy
