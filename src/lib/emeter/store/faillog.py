"""log.txt: the failed-frame log, a ring bounded in bytes that survives a restart.

Entries are the blocks (as UTF-8 bytes) `Failure.log_entry(when)` writes ("--- Start --- ...",
hex lines, "--- End ---"), newest last.  Adding drops the oldest entries until
the whole fits `limit` bytes.  The file is rewritten whole (write new, rename)
at most once per `min_interval_ms`, so a meter spewing garbage cannot wear out
the flash; `flush(force=True)` writes what is pending (before a restart).
"""

from emeter.clock import ticks_diff

NAME = "log.txt"
_START = b"--- Start ---"
_CUT = b"... (cut)\n--- End ---\n"


class FailLog:
    def __init__(self, board, limit=65536, min_interval_ms=60000):
        self.board = board
        self.limit = limit
        self.min_interval_ms = min_interval_ms
        self.entries = []
        self.size = 0
        self.dropped = 0
        self.dirty = False
        self.writes = 0
        self._last_write = None
        self._load()

    def _load(self):
        data = self.board.read_file(NAME)
        if not data:
            return
        i = data.find(_START)
        while i >= 0:
            j = data.find(_START, i + 1)
            self._append(data[i:] if j < 0 else data[i:j])
            i = j

    def _append(self, entry):
        if len(entry) > self.limit:
            entry = entry[:max(0, self.limit - len(_CUT))]
            entry = entry[:entry.rfind(b"\n") + 1] + _CUT
        self.entries.append(entry)
        self.size += len(entry)
        while self.size > self.limit and self.entries:
            self.size -= len(self.entries.pop(0))
            self.dropped += 1

    def add(self, failure, when):
        self._append(failure.log_entry(when).encode("utf-8"))
        self.dirty = True

    def text(self):
        """The whole log as bytes, oldest entry first."""
        return b"".join(self.entries)

    def due(self):
        """True when there is something to write and the rate limit allows it."""
        if not self.dirty:
            return False
        return self._last_write is None or \
            ticks_diff(self.board.ticks_ms(), self._last_write) >= self.min_interval_ms

    def flush(self, force=False):
        """Write the file if something changed and the rate limit allows; True if written."""
        if not (self.dirty if force else self.due()):
            return False
        now = self.board.ticks_ms()
        self.board.write_file_atomic(NAME, self.text())
        self._last_write = now
        self.dirty = False
        self.writes += 1
        return True

    def clear(self):
        self.entries = []
        self.size = 0
        self.dirty = True
