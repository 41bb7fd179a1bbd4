"""The stream decoder: bytes from the meter port in, Messages and Failures out.

Feed it chunks of any size, starting anywhere; it finds HDLC frames (7E),
wired M-Bus long frames (68 L L 68), DSMR telegrams ('/' ... '!'), and, from a
source that never frames, LLC PDUs (E6 E7 00) and bare APDUs (0F / DB). Nothing
is configured: the bytes say what they are. Multi-frame messages (HDLC
segmentation, M-Bus segments, general block transfer) are joined, and only from
parts that provably belong together: a message's first part starts its APDU, the
others follow it in sequence (HDLC send numbers and addresses, M-Bus segment
numbers, block numbers), and a quiet line (idle(), told by the reader) ends any
join. A join that cannot complete is reported as 'incomplete', never decoded.

Bytes that belong to no frame are skipped ('hunt mode'); a run of 16 or more
binary ones (not idle-line 00/FF, not printable text: gateways add text lines
around telegrams) is reported once as a 'format' Failure, so a wrong baud rate
or parity shows in the log.
"""

from .message import Failure

# A framing's module is imported when the stream first meets that framing (heap is what a
# board lacks): a DSMR meter never loads streambin (HDLC and the DLMS behind it), an HDLC
# meter never loads streammbus (M-Bus) or streambare (unframed APDUs), a meter that sends
# each message whole never loads streamjoin, an unencrypted one never loads AES, and
# dsmrscan (where a telegram ends) waits for the first '/'.
streambin = dsmrscan = None


def _load_streambin():
    global streambin
    from . import streambin
    return streambin


def _load_dsmrscan():
    global dsmrscan
    from . import dsmrscan
    return dsmrscan


MAX_BUFFER = 4096      # longest frame or telegram accepted (HDLC allows 2049, telegrams ~1.5 kB)
MAX_MESSAGE = 8192     # longest joined multi-frame message
NOISE_REPORT = 16      # junk bytes before a run is worth reporting
NOISE_KEEP = 64        # junk bytes kept to show in the log
_IDLE = b"\x00\xff\r\n "

_HDLC = 0x7E
_MBUS = 0x68
_DSMR = 0x2F  # '/'
_NOTIFICATION = 0x0F  # dlms.DATA_NOTIFICATION
_GLO_CIPHERING = 0xDB  # dlms.GLO_CIPHERING


class Decoder:
    """Stateful decoder for one meter stream. See module docstring."""

    def __init__(self, key=None, auth_key=None):
        self.buf = bytearray()
        self.key = None
        self.auth_key = None
        self.set_keys(key, auth_key)
        self.framed = False        # an HDLC or M-Bus frame has been seen
        self._noise = bytearray()  # the start of the current junk run
        self._noise_count = 0
        self._seg = None           # HDLC segments being joined: see streamjoin.hdlc_segment
        self._mbus = None          # M-Bus segments: [bytearray data, bytearray raw, next seq, fields, C, A]
        self._gbt = None           # block transfer: [bytearray data, bytearray raw, next block]

    def set_keys(self, key=None, auth_key=None):
        self.key = self.auth_key = None
        if key is not None or auth_key is not None:  # (hex text or bytes: keysetup.key_bytes)
            from . import keysetup
            try:
                self.key = keysetup.key_bytes(key)
                self.auth_key = keysetup.key_bytes(auth_key)
            finally:
                keysetup.forget()  # (a bad key too: the ValueError goes on without the module)
        self._ciphers = {}  # key -> gcm.Gcm, built on the first encrypted message

    # --- public -----------------------------------------------------------
    def feed(self, data):
        """Add bytes; return the Messages and Failures they complete, in stream order."""
        out = []
        held = self.buf
        if type(data) is bytes and (not held or (len(held) == 1 and held[0] == _HDLC and data
                                                 and data[0] == _HDLC)):
            # nothing buffered: scan the caller's bytes (immutable) where they are; only an
            # unfinished rest is copied into the buffer. (A last frame's closing flag, kept
            # because it may open the next, is no frame start when a flag follows it: '~',
            # skipped as text. So it need not make this frame a copy.)
            self._scan(out, False, data)
        else:
            self.buf.extend(data)
            self._scan(out, False)
        return out

    def flush(self):
        """End of stream: report what is left unfinished."""
        out = []
        self._scan(out, True)
        self._drop_joins(out, "ended")
        self._report_noise(out, True)
        return out

    def idle(self):
        """The line has been quiet (the reader calls this after some character times without
        a byte): a meter sends a message's frames back to back, so an open join can no longer
        complete, nor can a binary frame cut short. Both are reported ('incomplete',
        'truncated'); a DSMR telegram may pause between lines and keeps waiting.
        -> list of Failures (usually empty: allocates nothing when nothing is open)."""
        out = []
        if self.buf and self.buf[0] != _DSMR:
            self._scan(out, True)
        self._drop_joins(out, "stopped")
        return out

    def _drop_joins(self, out, how):
        if self._seg is not None or self._mbus is not None or self._gbt is not None:
            from . import streamjoin  # (loaded by the join)
            streamjoin.drop_joins(self, out, how)

    # --- scanning ---------------------------------------------------------
    def _scan(self, out, final, buf=None):
        if buf is None:
            buf = self.buf
        pos = 0
        avail = len(buf)
        while pos < avail:
            b = buf[pos]
            step = 0
            if b == _DSMR:
                step = (dsmrscan or _load_dsmrscan()).dsmr_at(self, buf, pos, avail, out, final)
            elif b == _HDLC:
                # (the first bytes are tested here: text and junk load no binary framing)
                if avail - pos < 3:
                    step = 0 if final else -1
                elif buf[pos + 1] & 0xF0 == 0xA0:
                    step = (streambin or _load_streambin()).hdlc_at(self, buf, pos, avail, out, final)
            elif b == _MBUS:  # ('h' in text)
                if avail - pos < 4:
                    step = 0 if final else -1
                elif buf[pos + 1] == buf[pos + 2] and buf[pos + 3] == _MBUS:
                    from . import streammbus
                    step = streammbus.mbus_at(self, buf, pos, avail, out, final)
            elif not self.framed and not self._noise_count and (
                    b == 0xE6 or b == _NOTIFICATION or b == _GLO_CIPHERING):
                from . import streambare
                step = streambare.bare_at(self, buf, pos, avail, out, final)
            if step < 0:  # wait for more bytes
                break
            if step == 0:  # not a frame: junk
                self._junk(b)
                pos += 1
            else:
                pos = step
        # (MicroPython's bytearray has no slice deletion: keep the rest as a new buffer)
        if pos >= avail:
            self.buf = bytearray()
        elif buf is not self.buf:
            self.buf = bytearray(memoryview(buf)[pos:])
        elif pos:
            self.buf = buf[pos:]
        if len(self.buf) > MAX_BUFFER + 16:
            # a frame start that never completes: give it up as noise and move on
            self._junk(self.buf[0])
            self.buf = self.buf[1:]
            self._scan(out, final)

    def _junk(self, b):
        if b in _IDLE or 0x20 <= b <= 0x7E:
            return  # idle line, or stray text (gateways add lines around telegrams)
        self._noise_count += 1
        if len(self._noise) < NOISE_KEEP:
            self._noise.append(b)

    def _report_noise(self, out, final=False):
        n = self._noise_count
        if n >= NOISE_REPORT:
            kept = len(self._noise)  # the text counts them all, "length" and "raw" are what was kept
            out.append(Failure("unknown", "format", "%d binary bytes that belong to no frame%s (wrong baud rate "
                                                    "or parity, or a frame cut off)"
                               % (n, "" if kept == n else ", the first %d kept" % kept), self._noise))
        if n:
            self._noise = bytearray()
            self._noise_count = 0

    def _found(self, out):
        """A frame begins: close the junk run before it. Junk inside a segmented message is
        what is left of a lost segment: the open join cannot complete."""
        if self._noise_count:
            if self._seg is not None:
                from . import streamjoin  # (loaded by the join)
                streamjoin.lost(self, out, "bytes that belong to no frame between its segments")
            self._report_noise(out)


def decode(data, key=None, auth_key=None):
    """Decode a complete capture in one call -> list of Messages and Failures."""
    d = Decoder(key, auth_key)
    out = d.feed(data)
    out.extend(d.flush())
    return out
