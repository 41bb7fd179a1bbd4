"""A USB serial adapter pulled out and plugged back in: host mode closes the port, says so once,
keeps serving, opens the device again when it returns (same name: a udev-style symlink), and
counts the reconnect. A pty pair stands in for the adapter; closing its master is the unplug."""

import os
import time
import tty

from host.board import HostBoard

from apphelp import corpus_bytes, wait_for

TELEGRAM = corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt")


def _plug(link):
    master, slave = os.openpty()
    tty.setraw(slave)
    tmp = link + ".new"
    os.symlink(os.ttyname(slave), tmp)
    os.replace(tmp, link)  # the stable name now points at this "adapter"
    return master, slave


def _send(master):
    for i in range(0, len(TELEGRAM), 100):
        os.write(master, TELEGRAM[i:i + 100])


def test_unplug_keeps_the_web_server_and_replug_reads_again(tmp_path, run_app, capsys):
    link = str(tmp_path / "ttyMETER")
    master, slave = _plug(link)
    fds = [master, slave]
    try:
        board = HostBoard(str(tmp_path / "data"), serial=link, wire=(115200, 8, "N"))
        r = run_app(board)
        _send(master)
        assert wait_for(lambda: r.app.state.frames_ok >= 1)
        capsys.readouterr()

        os.close(master)  # unplugged: the device is gone, reads fail
        os.close(slave)
        fds = []
        os.remove(link)
        assert wait_for(lambda: board.uart.error is not None, 10)
        steps = r.app.sched.errors + r.app.errors
        t0 = time.monotonic()
        doc = r.json()  # the web server still answers, promptly
        assert time.monotonic() - t0 < 5
        assert str(doc["readings"]["1-0:1.8.1"]["value"]) == "4.426"  # the last message stays
        time.sleep(1.5)  # a retry or two against the missing device
        said = capsys.readouterr().out
        assert said.count("serial:") == 1 and "ttyMETER" in said, said  # once, not per read
        assert r.app.sched.errors + r.app.errors == steps  # nothing raised into the loop

        master, slave = _plug(link)  # plugged in again: a new device behind the same name
        fds = [master, slave]
        deadline = time.monotonic() + 40  # the backoff is at most a few seconds by now
        while r.app.state.frames_ok < 2 and time.monotonic() < deadline:
            _send(master)
            time.sleep(0.3)
        assert r.app.state.frames_ok >= 2
        doc = r.json()
        assert doc["device"]["counters"]["reconnects"] == 1
        assert "is back" in capsys.readouterr().out
    finally:
        for fd in fds:
            os.close(fd)


def test_new_settings_change_the_open_port_and_keep_its_history(tmp_path):
    link = str(tmp_path / "ttyMETER")
    master, slave = _plug(link)
    try:
        board = HostBoard(str(tmp_path / "data"), serial=link)  # no wire: the app's settings rule
        board.serial_open(2400, 8, "E", 1)
        uart = board.uart
        uart.reconnects = 3  # as if it had come back three times
        board.serial_open(115200, 8, "N", 1)  # autodetect trying the next rate
        assert board.uart is uart and board.serial_reconnects() == 3
        assert (uart.port.baudrate, uart.port.parity) == (115200, "N")
        os.write(master, b"/ISK5")
        assert wait_for(lambda: board.serial_readinto(bytearray(16)) == 5, 5)
        board.uart.close()
    finally:
        os.close(master)
        os.close(slave)
