"""`build.py run`: the device application on this computer.

  python3 build.py run --replay FILE... [--speed X]         replay captures (binary, hex, telegrams,
                                                             a log.txt), one after the other, looping
  python3 build.py run --serial DEV [--baud N --parity N|E|O --bits 7|8]
  common: [--port N (8080)] [--data DIR (./data)] [--host ADDR (0.0.0.0)]

A replay is paced like the meter: each message is sent when the meter would have
sent it (the interval its timestamps show; without them one DSMR telegram a second,
a binary message every 10 s), its bytes at the wire's baud rate (given, or guessed
from the capture: DSMR 4/5 115200 8N1, DSMR 2.2/3 9600 7E1, HDLC 2400 8E1, other
2400 8N1); --speed X makes both X times faster.  Settings and log.txt live in the
data folder.
"""

import errno
import os
import signal
import socket
import sys
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (os.path.join(HERE, "src", "lib"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

from tools.cli import ArgumentParser, UserError, port_number  # noqa: E402

EXAMPLE = "examples/dsmr-v5-nl-iskra-mt382-hour.txt"
DSMR_INTERVAL_S = 1.0     # DSMR 5 sends a telegram every second
BINARY_INTERVAL_S = 10.0  # HAN lists come every 2-10 s (list 1 more often, list 3 hourly)
MAX_SPEED = 1000000       # a year of hourly messages in half a minute; beyond it the wire's rate overflows
LONGEST_GAP_S = 7200.0    # a longer gap between timestamps is a gap in the capture, not the meter's pace
#                           (hourly messages come a little more or less than an hour apart)
_CRYPTO = ("no-key", "decrypt", "auth")
_NOT_A_FRAME = ("format", "truncated", "incomplete")  # text and noise give these, not captures


def parse_args(argv):
    ap = ArgumentParser(prog="build.py run", description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--serial", metavar="DEV", help="serial device (pyserial), e.g. /dev/ttyUSB0")
    src.add_argument("--replay", metavar="FILE", nargs="+",
                     help="captures to replay one after the other: binary, hex, telegrams or log.txt")
    ap.add_argument("--baud", type=int, choices=(300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    ap.add_argument("--parity", choices=("N", "E", "O"))
    ap.add_argument("--bits", type=int, choices=(7, 8))
    ap.add_argument("--speed", type=float, default=1.0,
                    help="replay speed factor (default 1: the meter's pace; at most %d)" % MAX_SPEED)
    ap.add_argument("--port", type=port_number, default=8080, help="HTTP port (default 8080)")
    ap.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    ap.add_argument("--data", default="data", help="data folder (default ./data)")
    a = ap.parse_args(argv)
    if not 0 < a.speed <= MAX_SPEED:
        ap.error("--speed must be a number above 0 and at most %d" % MAX_SPEED)
    return a


# --- replay -----------------------------------------------------------------

def _seconds(ts, dst=None):
    """A message timestamp (ISO 8601 text) as seconds, or None. dst: a DSMR clock's flag
    ("summer" or "winter") for a time without an offset."""
    if not ts:
        return None
    try:
        t = datetime.fromisoformat(ts)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)  # the meter's local time: only differences matter
        if dst == "summer":  # an hour ahead of its winter time (every European zone)
            return t.timestamp() - 3600
    return t.timestamp()


def _dst(message):
    r = message.reading("0-0:1.0.0")
    return r.extra.get("dst") if r is not None and r.extra else None


def replay_plan(data, kind):
    """Where each message of a capture starts and when the meter sent it.

    Returns (schedule, messages, rejected): schedule is [(byte offset, seconds)] with
    a last (len(data), seconds) entry closing the loop; messages counts good messages,
    rejected maps failure reasons to counts (stray bytes not counted)."""
    from cosem import Decoder

    dsmr = kind == "telegram" or data.lstrip()[:1] == b"/"
    default = DSMR_INTERVAL_S if dsmr else BINARY_INTERVAL_S
    d = Decoder()
    items = d.feed(bytes(data)) + d.flush()
    starts = []   # (offset, timestamp seconds or None)
    messages = 0
    rejected = {}
    pos = 0
    for item in items:
        if not item.ok:
            if item.reason == "format":
                continue
            rejected[item.reason] = rejected.get(item.reason, 0) + 1
        else:
            messages += 1
        raw = bytes(item.raw or b"")
        at = data.find(raw[:16], pos) if raw else -1
        if at < 0:
            continue
        starts.append((at, _seconds(item.timestamp, _dst(item)) if item.ok else None))
        pos = at + max(1, len(raw) // 2)
    schedule = []
    t = 0.0
    prev = prev_t = None  # the latest meter timestamp, and when it was replayed
    gaps = []
    for i, (offset, ts) in enumerate(starts):
        if i:
            nxt = t + default
            if ts is not None and prev is not None and 0 < ts - prev <= LONGEST_GAP_S:
                nxt = max(t, prev_t + ts - prev)  # the meter's clock, whatever came between
            if nxt > t:
                gaps.append(nxt - t)
            t = nxt
        schedule.append((0 if i == 0 else offset, t))
        if ts is not None:
            prev, prev_t = ts, t
    if not schedule:
        schedule.append((0, 0.0))
    gaps.sort()
    schedule.append((len(data), t + (gaps[len(gaps) // 2] if gaps else default)))
    return schedule, messages, rejected


def _plan_streams(streams, kind):
    """replay_plan over a log.txt's entries (each decoded afresh, as `decode` does), one after
    the other; the same as replay_plan for a single stream."""
    schedule = []
    good = 0
    rejected = {}
    base_off = 0
    for stream in streams:
        plan, g, r = replay_plan(stream, kind)
        base_t = schedule.pop()[1] if schedule else 0.0
        schedule += [(base_off + off, base_t + t) for off, t in plan]
        base_off += len(stream)
        good += g
        for k in r:
            rejected[k] = rejected.get(k, 0) + r[k]
    return schedule, good, rejected


def load_replay(paths):
    """(kind, bytes, schedule, messages) of one or more captures played one after the other."""
    from host import capture

    kind0 = None
    data = b""
    schedule = []
    messages = 0
    for path in paths:
        if os.path.isdir(path):
            raise UserError("%s is a folder: give capture files, e.g. --replay %s" % (path, EXAMPLE), 2)
        try:
            kind, streams = capture.load_streams(path)  # a log.txt's entries apart
        except FileNotFoundError:
            raise UserError("%s: no such file: give a capture file, e.g. --replay %s" % (path, EXAMPLE), 2)
        except OSError as e:
            raise UserError("cannot read %s (%s): give a readable capture file" % (path, e.strerror or e))
        raw = b"".join(streams)
        if not raw.strip():
            raise UserError("%s is empty: give a capture, e.g. --replay %s" % (path, EXAMPLE))
        plan, good, rejected = _plan_streams(streams, kind)
        what = ", ".join("%d %s" % (n, r) for r, n in sorted(rejected.items()))
        if not good and not [r for r in rejected if r not in _NOT_A_FRAME]:
            raise UserError("%s: nothing decodable in %d bytes (%s): replay a capture (binary, hex text or "
                            "DSMR telegrams), e.g. --replay %s" % (path, len(raw), what or "no frame found",
                                                                   EXAMPLE))
        if not good:
            crypto = sum(rejected.get(r, 0) for r in _CRYPTO)
            print("%s: no message decodes (%s rejected)%s; replaying it anyway" % (
                path, what, ": set the meter's key at /setup" if crypto else ", see /log"))
        if kind0 is None:
            kind0 = kind
        base_t = schedule[-1][1] if schedule else 0.0
        if schedule:
            schedule.pop()  # the previous capture's loop end: this one follows
        for offset, t in plan:
            schedule.append((len(data) + offset, base_t + t))
        data += raw
        messages += good
    return kind0, data, schedule, messages


# --- the board ----------------------------------------------------------------

def _data_folder(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise UserError("cannot use %s as the data folder (%s): give a writable folder with --data DIR"
                        % (path, e.strerror or e))
    if not os.path.isdir(path):
        raise UserError("%s is not a folder: give a writable folder with --data DIR" % path)
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError("cannot write in %s: give a writable folder with --data DIR" % path)


def _check_serial(dev):
    if not os.path.exists(dev):
        raise UserError("serial device %s not found: plug the adapter in, or name it as "
                        "`ls /dev/serial/by-id/` shows it (docs/host.md)" % dev)
    if not os.access(dev, os.R_OK | os.W_OK):
        raise UserError("no permission to open %s: add this user to the dialout group "
                        "(sudo adduser $USER dialout) and log in again" % dev)


def make_board(a):
    from host import capture
    from host.board import HostBoard

    wire = None
    replay = None
    schedule = None
    if a.replay:
        kind, replay, schedule, messages = load_replay(a.replay)
        baud, bits, parity = capture.wire_settings(kind, replay)
        wire = (a.baud or baud, a.bits or bits, a.parity or parity)
        period = schedule[-1][1]
        print("replaying %s (%s, %d bytes, %d message%s over %gs, looping) at %d %d%s1 x%g" % (
            " ".join(a.replay), kind, len(replay), messages, "" if messages == 1 else "s", period,
            wire[0], wire[1], wire[2], a.speed))
    elif a.serial:
        _check_serial(a.serial)
        if a.baud or a.bits or a.parity:
            wire = (a.baud or 115200, a.bits or 8, a.parity or "N")
    _data_folder(a.data)
    return HostBoard(a.data, replay=replay, speed=a.speed, serial=a.serial, wire=wire,
                     schedule=schedule)


def _listen_error(e, a):
    if e.errno == errno.EADDRINUSE:
        return UserError("port %d is in use (is host mode already running?): stop that program, "
                         "or choose another port with --port N" % a.port)
    if e.errno == errno.EACCES:
        return UserError("port %d needs root: choose one above 1023 with --port N" % a.port)
    if e.errno == errno.EADDRNOTAVAIL or isinstance(e, socket.gaierror):
        return UserError("cannot listen on %s:%d (%s): give an address of this computer with --host ADDR"
                         % (a.host, a.port, e.strerror or e))
    return None


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    a = parse_args(argv)
    from emeter.app import App
    from host.board import Restart

    signal.signal(signal.SIGTERM, _stop)  # a service manager stops it like Ctrl-C: log.txt written
    if not a.replay and not a.serial:
        raise UserError("no meter input: replay a capture (--replay %s) or read a port "
                        "(--serial /dev/ttyUSB0)" % EXAMPLE, 2)
    while True:
        board = make_board(a)
        app = App(board, a.port, host=a.host)
        try:
            try:
                app.start()
            except OSError as e:
                err = _listen_error(e, a)
                if err is None:
                    raise
                raise err
            print("serving http://localhost:%d/ (data in %s)" % (app.web.port(), os.path.abspath(a.data)),
                  flush=True)
            while True:
                app.step()
        except Restart:
            print("restarting")
            try:
                app.web.stop()
            except Exception:
                pass
        except KeyboardInterrupt:
            app.log.flush(force=True)
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
