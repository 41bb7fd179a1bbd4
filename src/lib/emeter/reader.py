"""The major cycle: drain the meter UART through one preallocated buffer into the decoder,
and tell the decoder when the line has gone quiet (a meter sends a message's frames back to
back, so a join still open after a pause can never complete: Decoder.idle() drops it)."""

from emeter.clock import ticks_diff
from emeter.scheduler import char_bits

QUIET_CHARS = 64     # character times without a byte that make a quiet line
QUIET_MIN_MS = 200   # ... but never less (messages are a second or more apart)


def quiet_ms(baud, bits=8, parity="N", stop=1):
    """How long the line must stay quiet before the decoder is told, in milliseconds."""
    return max(QUIET_MIN_MS, QUIET_CHARS * char_bits(bits, parity, stop) * 1000 // baud)


class MeterReader:
    def __init__(self, board, decoder, state, log, chunk=512, limit=4096):
        self.board = board
        self.decoder = decoder
        self.state = state
        self.log = log
        self.buf = bytearray(chunk)
        self.view = memoryview(self.buf)
        self.limit = limit  # at most one UART buffer per drain, so slots still run
        self.on_message = None
        self.on_bytes = None  # raw TCP feed: the bytes exactly as read
        self.quiet_ms = QUIET_MIN_MS  # the app sets it from the line speed (quiet_ms())
        self._last = None  # ticks of the latest bytes; None once the decoder knows the line is quiet

    def drain(self):
        """Read what has arrived (bounded); return True if anything did."""
        board = self.board
        got = 0
        while got < self.limit:
            n = board.serial_readinto(self.buf)
            if not n:
                break
            got += n
            data = bytes(self.view[:n])
            if self.on_bytes is not None:
                self.on_bytes(data)
            self._results(self.decoder.feed(data))
        if got:
            self.state.bytes += got
            ov = board.serial_overruns()
            if ov is not None:
                self.state.overruns = ov
            ov = board.serial_reconnects()  # after a reconnect bytes come: counted here
            if ov is not None:
                self.state.reconnects = ov
            self._last = board.ticks_ms()
        elif self._last is not None and ticks_diff(board.ticks_ms(), self._last) >= self.quiet_ms:
            # nothing came since the last read, and that was long enough ago: a quiet line
            # (a read that returns nothing proves the UART received nothing in between)
            self._last = None
            self._results(self.decoder.idle())
        return got > 0

    def _results(self, items):
        for item in items:
            if item.ok:
                self.state.good(item)
                if self.on_message is not None:
                    self.on_message(item)
            else:
                self.state.bad(item)
                self.log.add(item, self.state.now_text())
