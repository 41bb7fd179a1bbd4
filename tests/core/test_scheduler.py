"""The loop budget: the meter UART is drained before its buffer can overflow."""

import socket
import time

from emeter.scheduler import Scheduler, budget_ms

from apphelp import ManualClockBoard, corpus_bytes, replay_board, wait_for

REQUEST = b"GET /data.json HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: trickle\r\n\r\n"


def test_budget_is_the_time_the_uart_buffer_lasts():
    assert budget_ms(4096, 115200) == 355           # 8N1: 10 bits a byte
    assert budget_ms(4096, 2400, 8, "E") == 18773   # 8E1: 11 bits a byte
    assert budget_ms(4096, 9600, 7, "E") == 4266    # 7E1: 10 bits a byte


def _frames_on_wire(board, size):
    return board.uart.pos // size


def test_trickled_request_loses_no_frames_at_full_wire_rate(tmp_path, run_app):
    name = "dsmr-v5-nl-iskra-mt382-1.txt"
    size = len(corpus_bytes(name))
    board = replay_board(tmp_path, name, speed=1.0)
    r = run_app(board)
    assert wait_for(lambda: r.app.state.frames_ok >= 1)
    s = socket.create_connection(("127.0.0.1", r.port))
    for i in range(len(REQUEST)):
        s.sendall(REQUEST[i:i + 1])
        time.sleep(0.03)  # ~2 s for the whole request: several UART budgets
    s.settimeout(10)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    s.close()
    assert reply.startswith(b"HTTP/1.1 200 OK")
    assert b'"readings":{' in reply
    st = r.app.state
    assert board.uart.lost == 0 and st.overruns == 0
    assert st.rejected_total() == 0
    assert r.app.sched.late == 0
    assert st.frames_ok >= _frames_on_wire(board, size) - 1
    assert st.frames_ok >= 20  # the wire ran on while the client trickled


def test_a_slot_that_overstays_the_budget_is_caught_and_loses_data(tmp_path, run_app):
    # The control experiment: the same measurement does see a budget break.
    board = replay_board(tmp_path, "dsmr-v5-nl-iskra-mt382-1.txt", speed=1.0)
    r = run_app(board)
    assert wait_for(lambda: r.app.state.frames_ok >= 1)
    stalled = []

    def stall():
        if not stalled:
            stalled.append(1)
            time.sleep(0.8)  # > 355 ms: the 4 kB buffer overflows at 115200
    r.app.sched.every("stall", stall, 0)
    assert wait_for(lambda: stalled and r.app.state.overruns >= 1)
    assert r.app.sched.late >= 1
    assert r.app.sched.worst_ms >= 700
    assert wait_for(lambda: r.app.state.rejected_total() >= 1)  # a torn telegram


def test_scheduler_drains_before_a_slot_once_half_the_budget_is_gone(tmp_path):
    board = ManualClockBoard(str(tmp_path))
    drains = []
    sched = Scheduler(board, lambda: drains.append(board.now), budget=100)

    def slow():
        board.now += 60  # more than the 50 ms slice
    sched.every("a", slow, 0)
    sched.every("b", slow, 0)
    sched.step()
    # drain, a, drain (slice used up), b
    assert len(drains) == 2
    assert sched.late == 0
    board.now += 150
    sched.step()
    assert sched.late == 1 and sched.worst_ms >= 150


def test_pump_drains_only_when_the_slice_is_used_up(tmp_path):
    board = ManualClockBoard(str(tmp_path))
    drains = []
    sched = Scheduler(board, lambda: drains.append(1), budget=100)
    sched.pump()
    assert drains == []
    board.now += 50
    sched.pump()
    assert drains == [1]
