"""HDLC type-3 frames as meters push them (IEC 62056-46).

7E | format(2: 0xA, segmentation bit, 11-bit length) | dst addr | src addr |
control | HCS(2) | information | FCS(2) | 7E

Addresses are 1-4 bytes, the last with its low bit set. HCS and FCS are
CRC-16/X.25, low byte first. Meters do not byte-stuff: 0x7D and 0x7E inside
the information field are data, so the frame's extent comes from its length
field and the flags only confirm it. Back-to-back frames may share one 7E.
"""

from .crc import crc16_x25

FLAG = 0x7E
MIN_LENGTH = 7  # format(2) + dst(1) + src(1) + control(1) + FCS(2), no information

# parse_at() outcomes
NEED = 0     # not enough bytes yet
SKIP = 1     # not a frame start: advance one byte
FRAME = 2    # a good frame
BAD = 3      # a frame start whose checks fail


def _address(buf, pos, limit):
    """-> (address bytes, next pos) or (None, pos) when no terminating low bit within 4 bytes."""
    for n in range(4):
        if pos + n >= limit:
            return None, pos
        if buf[pos + n] & 1:
            return bytes(buf[pos:pos + n + 1]), pos + n + 1
    return None, pos


class Frame:
    """A checked frame: header fields and the information bytes (LLC header kept).

    info_start/info_end: where the information field lies in the buffer parsed. (No
    __slots__: MicroPython ignores them, and a board would hold the tuple of names.)"""

    def __init__(self, segmented, dst, src, control, info, start, end, info_start=0, info_end=0):
        self.segmented = segmented
        self.dst = dst
        self.src = src
        self.control = control
        self.info = info
        self.start = start
        self.end = end  # index of the closing flag
        self.info_start = info_start
        self.info_end = info_end

    def fields(self):
        return {"dst": self.dst.hex(), "src": self.src.hex(), "control": "0x%02x" % self.control,
                "segmented": self.segmented}


def parse_at(buf, pos, avail, copy=True):
    """Look for a frame whose opening flag is buf[pos]; avail = bytes valid in buf.

    copy=False leaves Frame.info None (the caller copies from buf[info_start:info_end]
    only what it needs).

    -> (NEED, 0, None) | (SKIP, 0, None) | (FRAME, end, Frame) | (BAD, end, (reason, text))
    For FRAME, end is the index of the closing flag (which may open the next frame).
    For BAD, end is where the damaged frame is known or assumed to stop.
    """
    if avail - pos < 3:
        return NEED, 0, None
    f0 = buf[pos + 1]
    if f0 & 0xF0 != 0xA0:
        return SKIP, 0, None
    segmented = bool(f0 & 0x08)
    flen = ((f0 & 0x07) << 8) | buf[pos + 2]
    if flen < MIN_LENGTH:
        return SKIP, 0, None
    last = pos + flen + 1  # index of the closing flag
    p = pos + 3
    dst, p = _address(buf, p, avail)
    if dst is None:
        return (NEED, 0, None) if p + 4 > avail else (SKIP, 0, None)
    src, p = _address(buf, p, avail)
    if src is None:
        return (NEED, 0, None) if p + 4 > avail else (SKIP, 0, None)
    # p: control byte. With information, an HCS follows the control byte.
    has_info = flen > (p - pos - 1) + 1 + 2
    if has_info:
        if p + 3 > avail:
            return NEED, 0, None
        hcs = buf[p + 1] | (buf[p + 2] << 8)
        if crc16_x25(buf, pos + 1, p + 1) != hcs:
            return BAD, min(last, avail - 1), ("hcs", "header check sequence wrong (HCS %04x)" % hcs)
        info_start = p + 3
    else:
        info_start = p + 1
    if last >= avail:
        return NEED, 0, None
    if buf[last] != FLAG:
        return BAD, last, ("length", "no closing flag where the length field (%d) ends the frame" % flen)
    fcs = buf[last - 2] | (buf[last - 1] << 8)
    if info_start > last - 2:
        return BAD, last, ("length", "length field %d too short for the header" % flen)
    if crc16_x25(buf, pos + 1, last - 2) != fcs:
        return BAD, last, ("fcs", "frame check sequence wrong (FCS %04x)" % fcs)
    # one copy (a bytearray slice would be two)
    info = bytes(memoryview(buf)[info_start:last - 2]) if copy else None
    return FRAME, last, Frame(segmented, dst, src, buf[p], info, pos, last, info_start, last - 2)
