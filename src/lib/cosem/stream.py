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

from .message import Failure, Message

# A framing's module is imported when the stream first meets that framing (heap is what a
# board lacks): a DSMR meter never loads HDLC, M-Bus or DLMS, an unencrypted one never loads
# AES, and dsmrscan (where a telegram ends) waits for the first '/'.
hdlc = mbus = dlms = dsmrscan = None


def _load_hdlc():
    global hdlc
    from . import hdlc
    return hdlc


def _load_mbus():
    global mbus
    from . import mbus
    return mbus


def _load_dsmrscan():
    global dsmrscan
    from . import dsmrscan
    return dsmrscan


def _load_dlms():
    global dlms
    from . import dlms
    return dlms


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
        self._seg = None           # HDLC segments being joined: see _hdlc_frame
        self._mbus = None          # M-Bus segments: [bytearray data, bytearray raw, next seq, fields, C, A]
        self._gbt = None           # block transfer: [bytearray data, bytearray raw, next block]

    def set_keys(self, key=None, auth_key=None):
        self.key = _key_bytes(key)
        self.auth_key = _key_bytes(auth_key)
        self._ciphers = {}  # key -> gcm.Gcm, built on the first encrypted message

    # --- public -----------------------------------------------------------
    def feed(self, data):
        """Add bytes; return the Messages and Failures they complete, in stream order."""
        out = []
        if not self.buf and type(data) is bytes:
            # nothing buffered: scan the caller's bytes (immutable) where they are; only an
            # unfinished rest is copied into the buffer
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
        if self._seg is not None or self._mbus is not None or self._gbt is not None:
            self._drop_joins(out, "stopped")
        return out

    def _drop_joins(self, out, how):
        if self._seg is not None:
            out.append(Failure("hdlc", "incomplete", "segmented message %s before its last segment" % how,
                               self._seg[1]))
            self._seg = None
        if self._mbus is not None:
            out.append(Failure("mbus", "incomplete", "M-Bus message %s before its last segment" % how,
                               self._mbus[1]))
            self._mbus = None
        if self._gbt is not None:
            out.append(Failure(self._gbt[3], "incomplete", "block transfer %s before its last block" % how,
                               self._gbt[1]))
            self._gbt = None

    # --- scanning ---------------------------------------------------------
    def _scan(self, out, final, buf=None):
        if buf is None:
            buf = self.buf
        pos = 0
        avail = len(buf)
        while pos < avail:
            b = buf[pos]
            if b == _HDLC:
                step = self._hdlc(buf, pos, avail, out, final)
            elif b == _MBUS:
                step = self._mbus_at(buf, pos, avail, out, final)
            elif b == _DSMR:
                step = self._dsmr(buf, pos, avail, out, final)
            elif not self.framed and not self._noise_count and (
                    b == 0xE6 or b == _NOTIFICATION or b == _GLO_CIPHERING):
                step = self._bare(buf, pos, avail, out, final)
            else:
                step = 0
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
                self._lost(out, "bytes that belong to no frame between its segments")
            self._report_noise(out)

    def _lost(self, out, why):
        out.append(Failure("hdlc", "incomplete", "segmented message lost a segment (%s)" % why, self._seg[1]))
        self._seg = None

    # --- HDLC ---------------------------------------------------------------
    def _hdlc(self, buf, pos, avail, out, final):
        hd = hdlc or _load_hdlc()
        status, end, res = hd.parse_at(buf, pos, avail, False)
        if status == hd.SKIP:
            return 0
        if status == hd.NEED:
            if not final:
                return -1
            if avail - pos >= 9 and buf[pos + 1] & 0xF0 == 0xA0:
                self._found(out)
                self.framed = True
                if self._seg is not None:
                    self._lost(out, "a frame cut short")
                out.append(Failure("hdlc", "truncated", "frame cut short: %d of %d bytes"
                                   % (avail - pos, (((buf[pos + 1] & 7) << 8) | buf[pos + 2]) + 2),
                                   buf[pos:avail]))
                return avail
            return 0
        self._found(out)
        self.framed = True
        if status == hd.BAD:
            reason, text = res
            if self._seg is not None:
                self._lost(out, "a damaged frame")
            out.append(Failure("hdlc", reason, text, buf[pos:end + 1]))
            # a bad FCS still marks where the frame ends; otherwise resynchronise after the flag
            return end if reason == "fcs" else pos + 1
        frame = res
        self._hdlc_frame(frame, buf, buf[pos:end + 1], out)
        return end  # the closing flag may open the next frame

    def _hdlc_frame(self, frame, buf, raw, out):
        a = frame.info_start
        b = frame.info_end
        first = _llc_at(buf, a, b)  # a message's first segment (or a whole message) starts with LLC
        seg = self._seg
        if seg is not None and first:
            # a new message began: the open one lost its later segments
            out.append(Failure("hdlc", "incomplete", "segmented message lost its later segments", seg[1]))
            seg = self._seg = None
        if seg is None and not frame.segmented:
            # the usual frame, a whole message: its APDU (without the LLC header) read where it is,
            # through a view that nothing keeps (the values decoded from it are new bytes)
            if first:
                a += 3
            self._apdu(memoryview(buf)[a:b], "hdlc", frame.fields(), raw, out)
            return
        # (memoryviews only as temporaries: one left alive would pin the buffer's size)
        if seg is None:
            if not first:
                out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message",
                                   raw))
                return
            # [info, raw, fields, count, dst, src, control, send-number step (None, 0 or 1), FCS+size]
            self._seg = [bytearray(memoryview(buf)[a + 3:b]), bytearray(raw), frame.fields(), 1,
                         frame.dst, frame.src, frame.control, None, _fcs(raw)]
            return
        why = _hdlc_follows(seg, frame, raw)
        if why is not None:
            out.append(Failure("hdlc", "incomplete", why, seg[1]))
            self._seg = None
            out.append(Failure("hdlc", "incomplete", "segment without the first segment of its message", raw))
            return
        seg[0].extend(memoryview(buf)[a:b])
        seg[1].extend(raw)
        seg[3] += 1
        seg[6] = frame.control
        seg[8] = _fcs(raw)
        if len(seg[0]) > MAX_MESSAGE:
            out.append(Failure("hdlc", "overflow", "segmented message longer than %d bytes" % MAX_MESSAGE,
                               seg[1][:MAX_BUFFER]))
            self._seg = None
            return
        if frame.segmented:
            return
        self._seg = None
        fields = seg[2]
        fields["segments"] = seg[3]
        self._apdu(bytes(seg[0]), "hdlc", fields, bytes(seg[1]), out, True)

    # --- M-Bus --------------------------------------------------------------
    def _mbus_at(self, buf, pos, avail, out, final):
        mb = mbus or _load_mbus()
        status, end, res = mb.parse_at(buf, pos, avail, False)
        if status == mb.SKIP:
            return 0
        if status == mb.NEED:
            if not final:
                return -1
            if avail - pos >= 4 and buf[pos + 1] == buf[pos + 2] and buf[pos + 3] == _MBUS:
                self._found(out)
                self.framed = True
                out.append(Failure("mbus", "truncated", "M-Bus frame cut short: %d of %d bytes"
                                   % (avail - pos, buf[pos + 1] + 6), buf[pos:avail]))
                return avail
            return 0
        self._found(out)
        self.framed = True
        if status == mb.BAD:
            reason, text = res
            out.append(Failure("mbus", reason, text, buf[pos:end + 1]))
            return end + 1 if reason == "checksum" else pos + 1
        frame = res
        a = frame.data_start
        b = frame.data_end
        seq = frame.sequence
        # (data and raw bytes are copied from buf once, where they go; memoryviews as temporaries only)
        if self._mbus is None or seq == 0:
            if self._mbus is not None:
                out.append(Failure("mbus", "incomplete", "M-Bus message lost its later segments",
                                   self._mbus[1]))
            if seq != 0:
                out.append(Failure("mbus", "incomplete", "M-Bus segment %d without its first" % seq,
                                   buf[pos:end + 1]))
                return end + 1
            if frame.last:  # the whole message in one frame: nothing to join
                self._mbus = None
                fields = frame.fields()
                fields["segments"] = 1
                self._apdu(bytes(memoryview(buf)[a:b]), "mbus", fields, bytes(memoryview(buf)[pos:end + 1]), out)
                return end + 1
            self._mbus = [bytearray(), bytearray(), 0, frame.fields(), frame.control, frame.address]
        state = self._mbus
        if seq != state[2] or frame.control != state[4] or frame.address != state[5]:
            why = ("M-Bus segment %d where %d was due" % (seq, state[2]) if seq != state[2] else
                   "M-Bus segment from another sender (C, A fields)")
            out.append(Failure("mbus", "incomplete", why, bytes(state[1]) + buf[pos:end + 1]))
            self._mbus = None
            return end + 1
        state[0].extend(memoryview(buf)[a:b])
        state[1].extend(memoryview(buf)[pos:end + 1])
        state[2] = (seq + 1) & 0x0F
        if frame.last:
            self._mbus = None
            fields = state[3]
            fields["segments"] = seq + 1
            self._apdu(bytes(state[0]), "mbus", fields, bytes(state[1]), out, seq > 0)
        elif len(state[0]) > MAX_MESSAGE:
            out.append(Failure("mbus", "overflow", "M-Bus message longer than %d bytes" % MAX_MESSAGE,
                               state[1][:MAX_BUFFER]))
            self._mbus = None
        return end + 1

    # --- DSMR ---------------------------------------------------------------
    def _dsmr(self, buf, pos, avail, out, final):
        end = (dsmrscan or _load_dsmrscan()).dsmr_end(buf, pos, avail, final)
        if end == 0:
            return 0
        if end < 0:
            if final and avail - pos > 5:
                self._found(out)
                out.append(Failure("dsmr", "truncated", "telegram ends before its '!' line", buf[pos:avail]))
                return avail
            return -1
        self._found(out)
        if end > 0 and buf[end - 1] == _DSMR:
            # a new telegram began before this one ended
            out.append(Failure("dsmr", "truncated", "telegram cut off by the next one", buf[pos:end - 1]))
            return end - 1
        if pos == 0 and end == avail and type(buf) is bytes:
            self._telegram(buf, out)  # the caller's bytes are the telegram: no copy at all
        else:
            self._telegram(bytes(memoryview(buf)[pos:end]), out)  # one copy, not two
        return end

    def _telegram(self, data, out, via=None):
        from . import dsmr
        item = dsmr.parse(data, self.key)
        if via is not None and item.ok:
            item.apdu = via
        out.append(item)

    # --- unframed LLC / APDU -------------------------------------------------
    def _bare(self, buf, pos, avail, out, final):
        start = pos
        if buf[pos] == 0xE6:
            if avail - pos < 4:
                return 0 if final else -1
            if buf[pos + 1] != 0xE7 or buf[pos + 2] != 0x00:
                return 0
            start = pos + 3
        if not _plausible_apdu(buf, start, avail):
            return 0 if (final or avail - start >= 8) else -1
        dl = dlms or _load_dlms()
        try:
            end = dl.apdu_complete(buf, start, avail)
        except ValueError:
            return 0
        # Nothing checks an unframed APDU but its own decoding: junk bytes (DB 08, 0F ..) read as
        # one, with a length taken from whatever follows. So a candidate gives way to a frame
        # that starts inside the bytes it claims and passes its own checks; one that cannot be
        # told yet waits for that frame's bytes (or, at the end, wins only if it decodes).
        if end < 0:
            inside = self._frame_inside(buf, pos + 1, avail, avail, final)
            if inside > 0:
                return 0
            if not final:
                return -1 if avail - pos < MAX_BUFFER else 0
            if inside < 0:
                return 0  # a frame cut short: its own handler reports it
            self._found(out)
            out.append(Failure("apdu", "truncated", "APDU cut short", buf[pos:avail]))
            return avail
        inside = self._frame_inside(buf, pos + 1, end, avail, final)
        if inside > 0:
            return 0
        if inside < 0 and not final:
            return -1
        items = []
        self._apdu(bytes(memoryview(buf)[start:end]), "llc" if start != pos else "apdu", None,
                   bytes(memoryview(buf)[pos:end]), items)
        if inside < 0 and not items[-1].ok:
            return 0
        self._found(out)
        out.extend(items)
        return end

    def _frame_inside(self, buf, a, b, avail, final):
        """Does a frame start in buf[a:b] (it may run on to avail)? -> 1 when one passes its
        checks (HDLC HCS and FCS, M-Bus checksum, a telegram's '!' line), -1 when one may (more
        bytes needed), 0 when none does. (Not an unframed one: after junk the scan trusts
        none.) The first bytes are tested here: a framing's module loads for a likely start."""
        found = 0
        for c in (_DSMR, _HDLC, _MBUS):
            q = buf.find(bytes((c,)), a, b)
            while q >= 0:
                r = _start_at(buf, q, avail, c)
                if r:
                    if r < 0:
                        r = 0 if final else -1
                    elif c == _DSMR:
                        r = (dsmrscan or _load_dsmrscan()).dsmr_end(buf, q, avail, final)
                    else:
                        fr = (hdlc or _load_hdlc()) if c == _HDLC else (mbus or _load_mbus())
                        r = fr.parse_at(buf, q, avail, False)[0]
                        r = 1 if r == fr.FRAME else -1 if r == fr.NEED else 0
                    if r > 0:
                        return 1
                    if r < 0:
                        found = -1
                q = buf.find(bytes((c,)), q + 1, b)
        return found

    # --- APDU to message ----------------------------------------------------
    def _apdu(self, apdu, fmt, fields, raw, out, joined=False):
        dl = dlms or _load_dlms()
        if not apdu:
            out.append(Failure(fmt, "apdu", "frame without an APDU", raw))
            return
        try:
            if apdu[0] == dl.BLOCK_TRANSFER:
                apdu = self._block(apdu, fmt, raw, out)
                if apdu is None:
                    return
                raw = apdu[1]
                apdu = apdu[0]
                joined = True
            elif self._gbt is not None:
                # any other APDU between two blocks: the transfer lost its later blocks
                out.append(Failure(self._gbt[3], "incomplete", "block transfer lost its later blocks",
                                   self._gbt[1]))
                self._gbt = None
            item = self._message(apdu, fmt, fields, raw)
            if joined and item.ok and (item.apdu.get("trailing_bytes") or not item.readings):
                # a joined body that ends before its bytes do, or in which no reading can be
                # recognised: parts are missing (unnumbered segments show a loss no other way)
                item = Failure(fmt, "incomplete", "joined message does not decode whole: a part is missing", raw)
        except dl.ApduError as e:
            item = Failure(fmt, e.reason, e.text, raw)
        except (ValueError, IndexError, KeyError, TypeError) as e:
            # the decoder's own bug or a shape nobody foresaw: never let it escape
            item = Failure(fmt, "apdu", "undecodable APDU (%s)" % e, raw)
        if item is not None:
            out.append(item)

    def _block(self, apdu, fmt, raw, out):
        dl = dlms or _load_dlms()
        last, number, data = dl.block(apdu)
        if number == 1 or self._gbt is None:
            if self._gbt is not None:
                out.append(Failure(fmt, "incomplete", "block transfer restarted before its last block",
                                   self._gbt[1]))
            if number != 1:
                raise dl.ApduError("incomplete", "block %d without block 1" % number)
            self._gbt = [bytearray(), bytearray(), 1, fmt]
        state = self._gbt
        if number != state[2]:
            self._gbt = None
            raise dl.ApduError("incomplete", "block %d where %d was due" % (number, state[2]))
        state[0].extend(data)
        state[1].extend(raw)
        state[2] = number + 1
        if len(state[0]) > MAX_MESSAGE:
            self._gbt = None
            raise dl.ApduError("overflow", "block transfer longer than %d bytes" % MAX_MESSAGE)
        if not last:
            return None
        self._gbt = None
        return bytes(state[0]), bytes(state[1])

    def _message(self, apdu, fmt, fields, raw, security=None):
        dl = dlms or _load_dlms()
        tag = apdu[0]
        if tag == dl.GLO_CIPHERING or tag == dl.DED_CIPHERING:
            if security is not None:
                raise dl.ApduError("apdu", "ciphered APDU inside a ciphered APDU")
            parts = dl.ciphered(apdu)
            sec = {"security_control": "0x%02x" % parts["security_control"],
                   "system_title": parts["system_title"].hex(),
                   "frame_counter": parts["frame_counter"].hex(),
                   "authenticated": bool(parts["tag"] is not None and self.auth_key is not None)}
            plain = dl.decipher(parts, self.key, self.auth_key, self._ciphers)
            if plain[:1] == b"/":
                from . import dsmr
                item = dsmr.parse(bytes(plain), self.key)
                if item.ok:
                    item.apdu = {"type": dl.APDU_NAMES[tag], "security": sec}
                    item.raw = raw
                    item.format = "dsmr" if fmt == "apdu" else fmt
                else:
                    item.raw = raw
                return item
            return self._message(plain, fmt, fields, raw, sec)  # (a bytearray: read, never kept)
        if tag != dl.DATA_NOTIFICATION:
            raise dl.ApduError("apdu", "APDU 0x%02x is not a push this decoder reads" % tag)
        apdu_fields, body = dl.data_notification(apdu)
        if security is not None:
            apdu_fields["security"] = security
        msg = Message(fmt)
        msg.frame = fields
        msg.apdu = apdu_fields
        msg.payload = body
        msg.raw = raw
        msg.timestamp = apdu_fields.get("datetime")
        from .readings import extract
        extract(msg, body)
        return msg


def _key_bytes(k):
    if k is None or k == b"" or k == "":
        return None
    if isinstance(k, str):
        k = k.strip().replace(" ", "").replace(":", "")
        if k[:2] in ("0x", "0X"):
            k = k[2:]
        if len(k) != 32:
            raise ValueError("a key is 32 hex digits")
        return bytes.fromhex(k)
    k = bytes(k)
    if len(k) != 16:
        raise ValueError("a key is 16 bytes")
    return k


def _llc_at(buf, a, b):
    """Does buf[a:b] start with the LLC header (E6 E7 00) and an APDU tag? The first segment of
    a message does; a later segment starts mid-body (2**-24 odds of looking like one)."""
    return b - a >= 4 and buf[a] == 0xE6 and buf[a + 1] == 0xE7 and buf[a + 2] == 0x00


def _fcs(raw):
    """A segment's FCS and size in one small int (to tell a repeated segment)."""
    return raw[-3] | (raw[-2] << 8) | (len(raw) << 16)


def _hdlc_follows(seg, frame, raw):
    """None when frame can be the next segment of the join seg, else why not."""
    if frame.dst != seg[4] or frame.src != seg[5]:
        return "segment from another address"
    if _fcs(raw) == seg[8]:
        return "segment repeated"  # (same checksum and size as the one before)
    c = frame.control
    prev = seg[6]
    if (c & 1) != (prev & 1):
        return "segment of another frame type"
    if not c & 1:  # I-frames number what they send: N(S), bits 1-3
        step = ((c >> 1) - (prev >> 1)) & 7
        if seg[7] is None and step <= 1:
            seg[7] = step  # a meter counts (1) or sends one number throughout (0)
        elif step != seg[7]:
            return "segment numbered %d after %d" % ((c >> 1) & 7, (prev >> 1) & 7)
    return None


def _start_at(buf, q, avail, c):
    """Do the first bytes at buf[q] (c = buf[q]) open a frame? 1 yes, 0 no, -1 too few to tell."""
    n = 2 if c == _HDLC else 4
    if avail - q < n:
        return -1
    if c == _HDLC:
        return 1 if buf[q + 1] & 0xF0 == 0xA0 else 0
    if c == _MBUS:
        return 1 if buf[q + 1] == buf[q + 2] and buf[q + 3] == _MBUS else 0
    for i in range(q + 1, q + 4):  # '/' and three letters
        c = buf[i] | 0x20
        if c < 97 or c > 122:
            return 0
    return 1


def _plausible_apdu(buf, pos, avail):
    """Cheap checks before trusting an unframed 0F / DB byte as an APDU start."""
    if avail - pos < 8:
        return avail - pos >= 1 and buf[pos] in (_NOTIFICATION, _GLO_CIPHERING)
    tag = buf[pos]
    if tag == _NOTIFICATION:
        return buf[pos + 5] in (0x00, 0x0C, 0x09)
    if tag == _GLO_CIPHERING:
        return buf[pos + 1] == 0x08
    return False


def decode(data, key=None, auth_key=None):
    """Decode a complete capture in one call -> list of Messages and Failures."""
    d = Decoder(key, auth_key)
    out = d.feed(data)
    out.extend(d.flush())
    return out
