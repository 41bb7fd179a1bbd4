"""The major cycle: drain the meter UART through one preallocated buffer into the decoder."""


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
