"""The reader tells the decoder when the line goes quiet, so a join never spans two messages."""

from cosem import Decoder, hdlc, meterside

from emeter.reader import MeterReader, quiet_ms

from apphelp import corpus_bytes

LLC = b"\xe6\xe7\x00"


class LineBoard:
    """A meter port whose bytes and clock the test sets."""

    def __init__(self):
        self.now = 0
        self.pending = bytearray()

    def ticks_ms(self):
        return self.now

    def serial_readinto(self, buf):
        n = min(len(buf), len(self.pending))
        buf[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def serial_overruns(self):
        return None

    def serial_reconnects(self):
        return None


class Record:
    def __init__(self):
        self.bytes = 0
        self.overruns = 0
        self.items = []

    def good(self, item):
        self.items.append(item)

    def bad(self, item):
        self.items.append(item)

    def now_text(self):
        return None

    def add(self, item, when):
        pass


def _apdu(name):
    data = corpus_bytes(name)
    return hdlc.parse_at(data, 0, len(data))[2].info[3:]


def _segments(apdu, n):
    info = LLC + apdu
    size = (len(info) + n - 1) // n
    chunks = [info[i:i + size] for i in range(0, len(info), size)]
    return [meterside.hdlc_frame(c, segmented=i < len(chunks) - 1) for i, c in enumerate(chunks)]


def _reader():
    board = LineBoard()
    rec = Record()
    reader = MeterReader(board, Decoder(), rec, rec)
    reader.quiet_ms = quiet_ms(2400, 8, "E")
    return board, rec, reader


def test_quiet_time_follows_the_line_speed():
    assert quiet_ms(2400, 8, "E") == 64 * 11 * 1000 // 2400  # 293 ms
    assert quiet_ms(115200, 8, "N") == 200  # never less than a floor well under a message's period


def test_a_quiet_line_ends_an_open_join_and_the_next_message_decodes():
    a = _segments(_apdu("hdlc-aidon-6534-list3-1.hex"), 3)
    b = _segments(_apdu("hdlc-aidon-se-list-1.hex"), 3)
    board, rec, reader = _reader()
    board.pending += a[0]          # message A loses its later segments...
    reader.drain()
    board.now += reader.quiet_ms - 1
    reader.drain()
    assert rec.items == []         # (not quiet long enough yet)
    board.now += 1
    reader.drain()
    assert [i.reason for i in rec.items] == ["incomplete"]
    board.now += 2000
    board.pending += b[1] + b[2]   # ...and B its first one: they must not be joined
    reader.drain()
    board.now += 2000
    reader.drain()
    assert [i.ok for i in rec.items] == [False, False, False]
    board.pending += b"".join(b)   # the next intact message decodes
    reader.drain()
    assert rec.items[-1].ok and rec.items[-1].value("1-0:32.7.0") is not None


def test_a_quiet_line_is_told_once_and_costs_nothing_while_bytes_flow():
    board, rec, reader = _reader()
    calls = []
    idle = reader.decoder.idle
    reader.decoder.idle = lambda: calls.append(1) or idle()
    for _ in range(5):
        board.now += 1000
        reader.drain()
    assert calls == []             # nothing ever came: nothing to tell
    board.pending += corpus_bytes("hdlc-aidon-se-list-1.hex")
    reader.drain()
    for _ in range(5):
        board.now += 1000
        reader.drain()
    assert calls == [1]


def test_the_app_sets_the_quiet_time_from_its_line_settings(tmp_path):
    from emeter.app import App
    from apphelp import ManualClockBoard
    board = ManualClockBoard(str(tmp_path))
    app = App(board, port=0, host="127.0.0.1", dns_port=0)
    app.start()
    try:
        assert app.reader.quiet_ms == quiet_ms(*app.serial) and app.reader.decoder is app.decoder
    finally:
        app.web.stop()
