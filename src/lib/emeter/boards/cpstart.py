"""What the CircuitPython board does once or rarely: find its pins, claim the button and
the status LED, tell a watchdog reset, advertise itself over mDNS,
open the setup access point, remount CIRCUITPY writable. Loaded by
emeter.boards.circuitpython for that call and forgotten right after, so none of it stays
in the heap."""

import board
import digitalio
import microcontroller
import supervisor
import wifi

from emeter.clock import ticks_diff

_REMOUNT_AFTER_MS = 5000  # give USB time to enumerate before deciding nobody has the drive
_REMOUNT_RETRY_MS = 60000  # a refused remount is tried again at most once a minute

BUTTON_PINS = ("BUTTON", "BOOT0", "BOOT", "IO0")
LED_PINS = ("LED",)
PIXEL_PINS = ("NEOPIXEL",)
# (pin name, level that powers the pixel) on boards that switch the pixel's supply
PIXEL_POWER_PINS = (("NEOPIXEL_POWER", True), ("NEOPIXEL_POWER_INVERTED", False))


def find_pin(names):
    # type: (tuple[str, ...]) -> microcontroller.Pin | None
    """The first of these board pin names this board defines, or None."""
    for name in names:
        pin = getattr(board, name, None)
        if pin is not None:
            return pin
    return None


def pin_named(name):
    # type: (str | int) -> microcontroller.Pin
    """A pin from a settings value: a board name ('RX', 'IO18', 'D5'), 'GPIO18' or 18."""
    if isinstance(name, int):
        name = "GPIO%d" % name
    pin = getattr(board, name, None)
    if pin is None:
        pin = getattr(getattr(microcontroller, "pin", None), name, None)
    if pin is None:
        raise ValueError("no pin named %s on this board" % name)
    return pin


def claim(pin):
    # type: (microcontroller.Pin) -> digitalio.DigitalInOut | None
    """A DigitalInOut on pin, or None when something else holds the pin."""
    try:
        return digitalio.DigitalInOut(pin)
    except ValueError:
        return None


def open_button(name):
    # type: (str | int | None) -> digitalio.DigitalInOut | None
    pin = find_pin(BUTTON_PINS) if name is None else pin_named(name)
    io = None if pin is None else claim(pin)
    if io is not None:
        io.switch_to_input(pull=digitalio.Pull.UP)
    return io


def open_led(b, name):
    # type: (object, str | int | None) -> digitalio.DigitalInOut | None
    """The status LED (or NeoPixel, then b._pixel is set and its power pins kept)."""
    pin = find_pin(LED_PINS) if name is None else pin_named(name)
    if pin is None:
        pin = find_pin(PIXEL_PINS)
        if pin is None or not has_neopixel_write():
            return None
        b._pixel = True
        for power_name, level in PIXEL_POWER_PINS:
            power_pin = getattr(board, power_name, None)
            power = None if power_pin is None else claim(power_pin)
            if power is not None:
                power.switch_to_output(value=level)
                b._pixel_power.append(power)
    io = claim(pin)
    if io is not None:
        io.switch_to_output(value=False)
    return io


def mdns_advertise(b, hostname, port):
    # type: (object, str, int) -> bool
    try:
        import mdns
    except ImportError:
        return False
    server = mdns.Server(wifi.radio)   # CircuitPython hands back the radio's one server
    b._mdns = server
    server.hostname = hostname
    server.instance_name = hostname
    server.advertise_service(service_type="_http", protocol="_tcp", port=port)
    return True


def has_neopixel_write():
    try:
        import neopixel_write  # noqa: F401
    except ImportError:
        return False
    return True


def reset_by_watchdog():
    # type: () -> bool
    try:
        return microcontroller.cpu.reset_reason == microcontroller.ResetReason.WATCHDOG
    except AttributeError:  # a port that cannot tell
        return False


def start_ap(b, ssid, password):
    # type: (object, str, str | None) -> str
    radio = wifi.radio
    radio.enabled = True
    radio.start_ap(ssid, password or "")
    b._ap_ssid = ssid
    address = radio.ipv4_address_ap
    return str(address) if address is not None else ""


def remount(b):
    # type: (object) -> str | None
    """Remount CIRCUITPY writable for board b when no computer can have it: None when it
    is, else why not."""
    now = supervisor.ticks_ms()
    last = b._remount_tried_at
    why = None
    if supervisor.runtime.usb_connected:
        why = "a computer is connected over USB; eject CIRCUITPY or power the board from a charger"
    elif ticks_diff(now, b._started) < _REMOUNT_AFTER_MS:
        why = "too soon after start to know whether USB will connect"
    elif last is not None and ticks_diff(now, last) < _REMOUNT_RETRY_MS:
        why = "remount refused less than a minute ago"
    if why is None:
        b._remount_tried_at = now
        try:
            import storage
            storage.remount("/", readonly=False)
            return None
        except (ImportError, RuntimeError, OSError) as e:
            why = "remount failed: %s" % (e,)
    return why
