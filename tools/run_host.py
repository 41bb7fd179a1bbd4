"""`build.py run`: the device application on this computer.

  python3 build.py run --replay FILE [--speed X]            replay a capture, looping
  python3 build.py run --serial DEV [--baud N --parity N|E --bits 7|8]
  common: [--port N (8080)] [--data DIR (./data)] [--host ADDR (0.0.0.0)]

A replay is paced at the wire's baud rate (given, or guessed from the capture:
DSMR 4/5 115200 8N1, DSMR 2.2/3 9600 7E1, HDLC 2400 8E1, other 2400 8N1) and
--speed multiplies it.  Settings and log.txt live in the data folder.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (os.path.join(HERE, "src", "lib"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="build.py run", description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--serial", metavar="DEV", help="serial device (pyserial), e.g. /dev/ttyUSB0")
    src.add_argument("--replay", metavar="FILE", help="capture to replay: binary, hex, telegram or log.txt")
    ap.add_argument("--baud", type=int, choices=(300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    ap.add_argument("--parity", choices=("N", "E", "O"))
    ap.add_argument("--bits", type=int, choices=(7, 8))
    ap.add_argument("--speed", type=float, default=1.0, help="replay speed factor (default 1)")
    ap.add_argument("--port", type=int, default=8080, help="HTTP port (default 8080)")
    ap.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    ap.add_argument("--data", default="data", help="data folder (default ./data)")
    a = ap.parse_args(argv)
    if a.speed <= 0:
        ap.error("--speed must be positive")
    return a


def make_board(a):
    from host import capture
    from host.board import HostBoard

    wire = None
    replay = None
    if a.replay:
        kind, replay = capture.load_streams(a.replay)  # log.txt entries apart: quiet between them
        size = sum([len(r) for r in replay])
        if not size:
            raise SystemExit("%s: no bytes to replay" % a.replay)
        baud, bits, parity = capture.wire_settings(kind, replay[0])
        wire = (a.baud or baud, a.bits or bits, a.parity or parity)
        print("replaying %s (%s, %d bytes%s) at %d %d%s1 x%g" % (
            a.replay, kind, size, ", %d entries" % len(replay) if len(replay) > 1 else "",
            wire[0], wire[1], wire[2], a.speed))
        if len(replay) == 1:
            replay = replay[0]
    elif a.serial and (a.baud or a.bits or a.parity):
        wire = (a.baud or 115200, a.bits or 8, a.parity or "N")
    return HostBoard(a.data, replay=replay, speed=a.speed, serial=a.serial, wire=wire)


def main(argv):
    a = parse_args(argv)
    from emeter.app import App
    from host.board import Restart

    while True:
        board = make_board(a)
        app = App(board, a.port, host=a.host)
        try:
            app.start()
            print("serving http://localhost:%d/ (data in %s)" % (a.port, os.path.abspath(a.data)))
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
