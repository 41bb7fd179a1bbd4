"""What the decoder hands out: a Message (readings) or a Failure (a rejected frame).

Errors are values at the decoder boundary: a frame that cannot be used comes back
as a Failure with a reason code and its raw bytes, never as an exception.
"""

# The JSON forms (msgjson.py, with the JSON writer) and OBIS names are loaded when first
# used, not by `import cosem`: decoding needs neither, and a board's heap holds every module
# it has imported.
msgjson = None


def _msgjson():
    global msgjson
    from . import msgjson
    return msgjson


def name_of(obis):
    from .obis import name_of
    return name_of(obis)


_NAMES = {}  # obis key -> name_of(key), remembered (bounded): JSON is written again and again
_NONE = ()   # (a cached 'no name')


def _name(obis):
    n = _NAMES.get(obis)
    if n is None:
        n = name_of(obis)
        if len(_NAMES) >= 96:
            _NAMES.clear()
        _NAMES[obis] = _NONE if n is None else n
        return n
    return None if n is _NONE else n


class Reading:
    """One value of a message, keyed by its OBIS code ('1-0:1.8.0', '*F' only when F != 255)."""

    # unit and extra default here and are set on a reading only when it has them: a board
    # instance holding two attributes is a third smaller than one holding three or four
    # (MicroPython ignores __slots__ and sizes each instance's attribute table).
    unit = None
    extra = None  # dict of further fields (timestamp of a gas reading, log entries)

    def __init__(self, obis, value, unit=None, extra=None):
        self.obis = obis
        self.value = value
        if unit is not None:
            self.unit = unit
        if extra is not None:
            self.extra = extra

    @property
    def name(self):
        return _name(self.obis)

    def json_value(self):
        return (msgjson or _msgjson()).reading_value(self)

    def json_write(self, out):
        # the text of json_value(), written without building it
        (msgjson or _msgjson()).reading_write(self, out)

    def __repr__(self):
        return "Reading(%s=%r %s)" % (self.obis, self.value, self.unit or "")


class Message:
    """One decoded message: readings in the order the meter sent them, plus context."""

    ok = True

    def __init__(self, fmt):
        self.format = fmt      # 'hdlc', 'mbus', 'llc', 'apdu', 'dsmr'
        self.timestamp = None  # ISO 8601 text, or None
        self.meter = {}        # id, model, list, identification, dsmr_version …
        self.readings = []     # [Reading]
        self.unmapped = []     # [{'index': i, 'type': t, 'value': v}] of lists nobody has mapped
        self.frame = None      # link-layer header fields (dict)
        self.apdu = None       # APDU fields (dict)
        self.payload = None    # the A-XDR body as a (tag, value) node, or None for DSMR
        self.raw = b""         # the bytes this message came from (all frames)
        self._index = {}       # obis -> position in readings (a cache, rebuilt when readings changed)
        self._indexed = None   # the list _index describes

    def _find(self, obis):
        # Position of the first reading with this code, or -1, without a walk through the
        # list per call (decoders add every reading through here). A readings list replaced
        # or grown or shrunk from outside is indexed afresh; a hit is checked before use.
        rs = self.readings
        idx = self._index
        if self._indexed is not rs or len(idx) != len(rs):
            idx = self._reindex()
        i = idx.get(obis, -1)
        if i >= 0 and (i >= len(rs) or rs[i].obis != obis):
            i = self._reindex().get(obis, -1)
        return i

    def _reindex(self):
        rs = self.readings
        idx = self._index  # refilled, not replaced: a dict from index() stays the index
        idx.clear()
        for i in range(len(rs) - 1, -1, -1):  # backwards: the first of duplicates wins
            idx[rs[i].obis] = i
        self._indexed = rs
        return idx

    def index(self):
        """The current obis -> position dict, for a decoder that appends Readings itself:
        a code not in it may be added as idx[obis] = len(readings); readings.append(...)."""
        rs = self.readings
        if self._indexed is rs and len(self._index) == len(rs):
            return self._index
        return self._reindex()

    def reading(self, obis):
        rs = self.readings
        idx = self._index
        if self._indexed is rs and len(idx) == len(rs):  # the index is current: one look-up
            i = idx.get(obis)
            if i is None:
                return None
            r = rs[i]
            if r.obis == obis:
                return r
        i = self._find(obis)
        return None if i < 0 else rs[i]

    def value(self, obis, default=None):
        r = self.reading(obis)
        return default if r is None else r.value

    def add(self, obis, value, unit=None, extra=None):
        # A later value for the same OBIS code replaces the earlier (one key per code).
        rs = self.readings
        idx = self._index
        if self._indexed is rs and len(idx) == len(rs) and obis not in idx:  # a new code: the usual case
            idx[obis] = len(rs)
            rs.append(Reading(obis, value, unit, extra))
            return
        i = self._find(obis)
        if i >= 0:
            self.readings[i] = Reading(obis, value, unit, extra)
            return
        self._index[obis] = len(self.readings)
        self.readings.append(Reading(obis, value, unit, extra))

    def json_value(self):
        return (msgjson or _msgjson()).message_value(self)

    def to_json(self):
        return (msgjson or _msgjson()).dumps(self)

    def __repr__(self):
        return "Message(%s, %d readings)" % (self.format, len(self.readings))


# Reason codes (Failure.reason): stable words for counters and tests; the text says what
# happened. (A comment, not a tuple: nothing reads the list, and a board would hold it.)
#   hcs         HDLC header check sequence wrong
#   fcs         HDLC frame check sequence wrong
#   crc         DSMR CRC-16 wrong
#   checksum    M-Bus checksum wrong
#   length      a length field disagrees with the bytes
#   truncated   the stream ended, or the next frame began, before this one was complete
#   incomplete  a segmented / block-transferred message missing its later parts
#   format      bytes that are not a frame of the kind they start like
#   apdu        an APDU we do not understand
#   axdr        malformed A-XDR data
#   no-key      encrypted and no key configured
#   decrypt     decryption gave nonsense (wrong key)
#   auth        GCM tag wrong (wrong authentication key, or tampering)
#   dsmr        a malformed telegram
#   overflow    more bytes than any frame may have


class Failure:
    """A rejected frame: why, and the bytes, so log.txt can show and replay it."""

    ok = False

    def __init__(self, fmt, reason, text, raw=b""):
        self.format = fmt
        self.reason = reason
        self.text = text
        self.raw = bytes(raw)

    def json_value(self):
        return (msgjson or _msgjson()).failure_value(self)

    def to_json(self):
        return (msgjson or _msgjson()).dumps(self)

    def log_entry(self, when=None):
        """The text block log.txt keeps: a header line, the hex dump, an end line.

        `build.py decode` reads such a block back (lines starting with '---' are skipped).
        """
        return (msgjson or _msgjson()).log_entry(self, when)

    def __repr__(self):
        return "Failure(%s: %s)" % (self.reason, self.text)
