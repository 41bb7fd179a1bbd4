"""The meter port on CircuitPython: busio.UART settings, never waiting, overrun count."""

import pytest

from cpfakes import cp  # noqa: F401  (fixture)


def opened(cp, **kw):
    b = cp.Board()
    args = dict(baud=115200, bits=8, parity="N", stop=1)
    args.update(kw)
    b.serial_open(**args)
    return b, cp.fakes["busio"].UART.made[-1]


def test_readinto_returns_zero_when_nothing_arrived(cp):
    b, uart = opened(cp)
    assert b.serial_readinto(bytearray(64)) == 0


def test_readinto_returns_zero_before_the_port_is_opened(cp):
    assert cp.Board().serial_readinto(bytearray(64)) == 0


def test_readinto_copies_what_arrived_and_counts_it(cp):
    b, uart = opened(cp)
    uart.pending += b"\x7e\xa0\x84"
    buf = bytearray(8)
    assert b.serial_readinto(buf) == 3
    assert buf[:3] == b"\x7e\xa0\x84"
    assert b.serial_readinto(buf) == 0


def test_open_asks_for_a_large_buffer_and_zero_timeout(cp):
    b, uart = opened(cp, baud=2400, bits=7, parity="E", stop=1)
    assert uart.tx is None and uart.rx is cp.x["pins"]["RX"]
    assert uart.kw["receiver_buffer_size"] >= 4096
    assert uart.kw["timeout"] == 0
    assert (uart.kw["baudrate"], uart.kw["bits"], uart.kw["stop"]) == (2400, 7, 1)
    assert uart.kw["parity"] == cp.fakes["busio"].UART.Parity.EVEN


@pytest.mark.parametrize("letter,attr", [("N", None), ("E", "EVEN"), ("O", "ODD")])
def test_parity_letters_map_to_busio_parity(cp, letter, attr):
    b, uart = opened(cp, parity=letter)
    want = None if attr is None else getattr(cp.fakes["busio"].UART.Parity, attr)
    assert uart.kw["parity"] == want


def test_unknown_parity_is_refused_before_touching_the_port(cp):
    with pytest.raises(ValueError):
        cp.Board().serial_open(9600, 8, "X", 1)
    assert cp.fakes["busio"].UART.made == []


def test_reopening_releases_the_previous_uart(cp):
    b, first = opened(cp)
    b.serial_open(9600, 8, "N", 1)
    assert first.deinited
    assert cp.fakes["busio"].UART.made[-1] is not first


def test_inverted_rx_is_left_to_the_interface_circuit(cp):
    b = cp.Board()
    assert b.can_invert_rx is False
    b.serial_open(115200, 8, "N", 1, invert=True)
    plain = cp.Board()
    plain.serial_open(115200, 8, "N", 1, invert=False)
    inverted, normal = cp.fakes["busio"].UART.made
    assert inverted.kw == normal.kw and inverted.rx is normal.rx


def test_buffer_size_the_board_announces_is_the_one_it_allocates(cp):
    b, uart = opened(cp)
    assert uart.kw["receiver_buffer_size"] == b.uart_buffer_bytes


def test_rx_pin_by_board_name(cp):
    b, uart = opened(cp, rx_pin="LED")   # any name the board module defines
    assert uart.rx is cp.x["pins"]["LED"]


def test_rx_pin_by_gpio_name_or_number_comes_from_microcontroller_pin(cp):
    b, uart = opened(cp, rx_pin="GPIO18")
    assert uart.rx is cp.x["gpio"].GPIO18
    b.serial_open(9600, 8, "N", 1, rx_pin=5)
    assert cp.fakes["busio"].UART.made[-1].rx is cp.x["gpio"].GPIO5


def test_unknown_rx_pin_names_the_pin(cp):
    with pytest.raises(ValueError, match="IO99"):
        cp.Board().serial_open(9600, 8, "N", 1, rx_pin="IO99")


def test_board_without_rx_pin_needs_one_set(monkeypatch):
    from cpfakes import load
    cp = load(monkeypatch, pins=("BUTTON",))
    with pytest.raises(ValueError, match="RX"):
        cp.Board().serial_open(9600, 8, "N", 1)


def test_a_read_that_finds_the_buffer_full_counts_as_an_overrun(cp):
    b, uart = opened(cp)
    assert b.serial_overruns() == 0
    uart.pending += bytes(100)
    b.serial_readinto(bytearray(4096))
    assert b.serial_overruns() == 0
    uart.pending += bytes(b.uart_buffer_bytes)
    b.serial_readinto(bytearray(512))
    assert b.serial_overruns() == 1


def test_a_failing_uart_is_closed_and_opened_again_with_backoff(cp, capsys):
    b, uart = opened(cp)
    UART = cp.fakes["busio"].UART
    clock = cp.x["clock"]

    def broken(buf):
        raise OSError(5, "Input/output error")

    uart.pending += b"x"
    uart.readinto = broken
    assert b.serial_readinto(bytearray(8)) == 0 and uart.deinited
    assert capsys.readouterr().out.count("\n") == 1          # said once
    assert b.serial_readinto(bytearray(8)) == 0 and len(UART.made) == 1
    made = []

    def refuse(*a, **kw):
        made.append(kw)
        raise RuntimeError("pin in use")

    b_mod_uart = cp.mod.busio.UART
    cp.mod.busio.UART = refuse
    clock["ms"] += 1000
    assert b.serial_readinto(bytearray(8)) == 0 and len(made) == 1   # after 1 s: tried, failed
    clock["ms"] += 1999
    assert b.serial_readinto(bytearray(8)) == 0 and len(made) == 1   # next try after 2 s
    cp.mod.busio.UART = b_mod_uart
    clock["ms"] += 1
    again = bytearray(8)
    assert b.serial_readinto(again) == 0 and len(UART.made) == 2
    UART.made[-1].pending += b"\x7e\xa0"
    assert b.serial_readinto(again) == 2 and again[:2] == b"\x7e\xa0"
    assert b.serial_reconnects() == 1
    assert UART.made[-1].kw == uart.kw  # the same settings
    assert capsys.readouterr().out == ""                      # nothing more to say
