"""Button, LED, Wi-Fi, mDNS, watchdog, clock and memory on CircuitPython, against fakes."""

import gc
import time

import pytest

from cpfakes import cp, load  # noqa: F401  (cp is a fixture)

def test_board_implements_every_interface_method(cp):
    from emeter.boards.base import Board as Interface
    names = [n for n, v in vars(Interface).items() if not n.startswith("_")]
    missing = [n for n in names if n not in vars(cp.Board)]
    assert names and missing == []
    assert cp.Board.keeps_wall_time is False


def test_board_does_not_load_the_interface_module(cp):
    # the interface is documentation and host mode's base class: its code would only take
    # heap on a board, where every method is the board's own
    assert not hasattr(cp.mod, "_Interface") and cp.Board.__bases__ == (object,)


# --- button ---------------------------------------------------------------
@pytest.mark.parametrize("pins,chosen", [
    (("BUTTON", "BOOT0", "IO0"), "BUTTON"),
    (("BOOT0", "IO0"), "BOOT0"),
    (("IO0",), "IO0"),
])
def test_button_pin_is_found_by_probing_names(monkeypatch, pins, chosen):
    cp = load(monkeypatch, pins=pins)
    b = cp.Board()
    assert b._button.pin is cp.x["pins"][chosen]
    assert b._button.pull == cp.fakes["digitalio"].Pull.UP


def test_button_is_pressed_while_its_pin_reads_low(cp):
    b = cp.Board()
    assert b.button_pressed() is False
    b._button.value = False
    assert b.button_pressed() is True


def test_board_without_a_button_never_reports_a_press(monkeypatch):
    cp = load(monkeypatch, pins=("RX",))
    assert cp.Board().button_pressed() is False


def test_a_button_pin_held_by_someone_else_is_skipped(monkeypatch):
    cp = load(monkeypatch, pins=("BUTTON", "LED"))
    cp.x["pins"]["BUTTON"].busy = True
    assert cp.Board().button_pressed() is False


# --- LED ------------------------------------------------------------------
def test_led_pin_is_driven_directly(cp):
    b = cp.Board()
    assert b._led_io.pin is cp.x["pins"]["LED"]
    b.led(True)
    assert b._led_io.value is True
    b.led(False)
    assert b._led_io.value is False


def test_neopixel_is_used_when_there_is_no_led_pin_and_its_power_is_switched_on(monkeypatch):
    cp = load(monkeypatch, pins=("NEOPIXEL", "NEOPIXEL_POWER"))
    b = cp.Board()
    b.led(True)
    b.led(True)     # unchanged state writes nothing
    b.led(False)
    writes = cp.x["pixel_writes"]
    assert [io.pin.name for io, _ in writes] == ["NEOPIXEL", "NEOPIXEL"]
    assert writes[0][1] != bytes(3) and writes[1][1] == bytes(3)
    assert [(p.pin.name, p.value) for p in b._pixel_power] == [("NEOPIXEL_POWER", True)]


def test_led_is_a_no_op_on_a_board_without_one(monkeypatch):
    cp = load(monkeypatch, pins=("NEOPIXEL",), with_pixel_writer=False)
    b = cp.Board()
    b.led(True)
    assert b._led_io is None and cp.x["pixel_writes"] == []


# --- Wi-Fi and mDNS -------------------------------------------------------
def test_wifi_connect_passes_the_timeout_and_reports_success(cp):
    assert cp.Board().wifi_connect("home", "secret12", 15) is True
    assert cp.x["radio"].connect_calls == [("home", "secret12", 15)]


def test_wifi_connect_reports_failure_instead_of_raising(cp):
    cp.x["radio"].connect_error = ConnectionError("No network with that ssid")
    assert cp.Board().wifi_connect("away", "secret12", 15) is False


def test_wifi_status_while_joined(cp):
    b = cp.Board()
    b.wifi_connect("home", "secret12", 15)
    assert b.wifi_status() == {"connected": True, "ap": False, "ssid": "home", "ip": "192.168.1.50",
                               "mac": "7c:df:a1:00:0a:bc", "rssi": -61}


def test_access_point_returns_its_address_and_status_names_it(cp):
    b = cp.Board()
    assert b.wifi_start_ap("emeter-0ABC") == "192.168.4.1"
    assert cp.x["radio"].ap_calls == [("emeter-0ABC", "")]
    status = b.wifi_status()
    assert (status["connected"], status["ap"], status["ssid"], status["ip"], status["rssi"]) == \
        (False, True, "emeter-0ABC", "192.168.4.1", None)


def _supervise(cp, ssid, minutes):
    from emeter.led import Led
    from emeter.net.wifi import WifiSupervisor
    b = cp.Board()
    w = WifiSupervisor(b, ssid, "secret12")
    led = Led(b)
    w.start()
    for _ in range(minutes * 60):
        cp.x["clock"]["ms"] += 1000
        w.poll()
    led.set(w.led_pattern())
    return w, led


def test_a_configured_board_whose_network_is_gone_never_opens_an_access_point(cp):
    cp.x["radio"].connect_error = ConnectionError("No network with that ssid")
    w, led = _supervise(cp, "home", 30)
    radio = cp.x["radio"]
    assert radio.ap_calls == [] and not radio.ap_active
    assert len(radio.connect_calls) >= 50  # still trying, every 32 s at most
    assert w.mode == "joining" and led.pattern == "joining"  # the fast blink


def test_only_an_unconfigured_board_opens_its_access_point_and_it_is_open(cp):
    w, led = _supervise(cp, "", 1)
    assert cp.x["radio"].ap_calls == [("emeter-0ABC", "")]
    assert cp.x["radio"].connect_calls == []
    assert w.mode == "ap" and led.pattern == "ap"  # the slow blink


def test_mdns_answers_the_hostname_and_advertises_http(cp):
    assert cp.Board().mdns_advertise("emeter", 80) is True
    server = cp.fakes["mdns"].Server.servers[-1]
    assert server.hostname == "emeter"
    assert server.services == [("_http", "_tcp", 80)]


def test_mdns_is_a_no_op_without_the_module(monkeypatch):
    cp = load(monkeypatch, with_mdns=False)
    assert cp.Board().mdns_advertise("emeter", 80) is False


def test_socket_pool_is_made_once_on_the_radio(cp):
    b = cp.Board()
    assert b.socket_pool() is b.socket_pool()
    assert b.socket_pool()[1] is cp.x["radio"]


# --- health and time ------------------------------------------------------
def test_watchdog_gets_its_timeout_before_reset_mode_and_is_fed(cp):
    b = cp.Board()
    b.watchdog_start(8)
    b.watchdog_feed()
    mode = cp.fakes["watchdog"].WatchDogMode.RESET
    assert cp.x["watchdog"].events == [("timeout", 8), ("mode", mode), ("feed", None), ("feed", None)]


def test_feeding_a_watchdog_that_was_never_started_does_nothing(cp):
    cp.Board().watchdog_feed()
    assert cp.x["watchdog"].events == []


def test_only_a_watchdog_reset_counts_as_one(cp):
    b = cp.Board()
    assert b.reset_by_watchdog() is False  # a port without reset_reason
    mc = cp.fakes["microcontroller"]
    for why, expected in ((mc.ResetReason.POWER_ON, False), (mc.ResetReason.WATCHDOG, True)):
        mc.cpu.reset_reason = why
        assert b.reset_by_watchdog() is expected


def test_restart_resets_the_microcontroller(cp):
    cp.Board().restart()
    assert cp.x["resets"] == [True]


def test_wall_time_is_none_until_the_clock_is_set(cp):
    b = cp.Board()
    assert b.wall_time() is None
    b._rtc.datetime = time.struct_time((2026, 11, 24, 7, 30, 5, 1, 328, -1))
    assert b.wall_time() == (2026, 11, 24, 7, 30, 5)


def test_ticks_come_from_supervisor(cp):
    cp.x["clock"]["ms"] = (1 << 29) + 7
    assert cp.Board().ticks_ms() == 7


def test_free_memory_uses_gc_mem_free_where_it_exists(cp, monkeypatch):
    b = cp.Board()
    assert b.free_memory() is None          # CPython's gc has no mem_free
    monkeypatch.setattr(gc, "mem_free", lambda: 81234, raising=False)
    assert b.free_memory() == 81234


def test_pin_lookup_code_is_not_kept_after_start(cp):
    import sys
    b = cp.Board()
    b.serial_open(115200, 8, "N", 1)
    assert b._button is not None
    assert "emeter.boards.cpstart" not in sys.modules  # used once, its heap is given back


def test_rare_jobs_load_their_code_for_the_call_only(cp):
    # the remount's checks, the access point and the reset reason run once or seldom:
    # their code is not part of the board module the loop keeps
    import sys
    b = cp.Board()
    assert b.wifi_start_ap("emeter-0ABC") == "192.168.4.1"
    assert b.reset_by_watchdog() is False
    assert "emeter.boards.cpstart" not in sys.modules
    for name in ("_REMOUNT_AFTER_MS", "_REMOUNT_RETRY_MS"):
        assert not hasattr(cp.mod, name), name
    assert "storage" not in cp.Board._make_writable.__code__.co_names
