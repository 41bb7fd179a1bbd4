"""Board code calls only APIs CircuitPython 10 has: mypy against circuitpython-stubs.

mypy-board.ini checks the bodies of unannotated functions too. Every error in the board's
own files fails. In the project modules they import (the application, the decoder), only
errors that mean "this does not exist or is called wrongly" fail: a missing module, name,
attribute or argument. Those modules also run on the host and are not written for mypy, so
its other complaints there (and attribute errors on a guessed builtin type such as
"object", a side effect of unannotated dict literals) are not counted.
"""

import os
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, "mypy-board.ini")
BOARD_MODULE = "src/lib/emeter/boards/circuitpython.py"
CODE_PY = "src/code.py"
API_ERRORS = ("attr-defined", "name-defined", "call-arg", "import-not-found", "import-untyped")
_GUESSED = re.compile(r'^"(object|int|str|bytes|bytearray|list|dict|tuple|float|bool|None)" has no attribute')
_LINE = re.compile(r"^(?P<path>[^:\n]+?):(?:(?P<line>\d+):)?(?:\d+:)? error: (?P<msg>.*?)"
                   r"(?:  \[(?P<code>[a-z-]+)\])?$")


def mypy(paths, cache_dir):
    """(exit status, [(path, line, message, code)]) for mypy over paths with the board config."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", CONFIG, "--cache-dir", str(cache_dir)]
        + list(paths),
        cwd=ROOT, capture_output=True, text=True)
    errors = []
    for text in proc.stdout.splitlines():
        m = _LINE.match(text)
        if m:
            path = os.path.relpath(os.path.join(ROOT, m.group("path")), ROOT)
            errors.append((path, int(m.group("line") or 0), m.group("msg"), m.group("code")))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr   # 2 = mypy itself failed
    assert proc.returncode == 0 or errors, proc.stdout + proc.stderr  # e.g. mypy not installed
    return proc.returncode, errors


def failing(errors, board_files):
    """The errors that fail the check, as text."""
    out = []
    for path, line, msg, code in errors:
        if path in board_files or code is None or (code in API_ERRORS and not _GUESSED.match(msg)):
            out.append("%s:%d: %s [%s]" % (path, line, msg, code))
    return out


def test_the_board_module_calls_only_circuitpython_apis(tmp_path):
    status, errors = mypy([BOARD_MODULE], tmp_path)
    assert failing(errors, [BOARD_MODULE]) == []


def test_code_py_and_everything_it_imports_call_only_circuitpython_apis(tmp_path):
    assert os.path.exists(os.path.join(ROOT, CODE_PY)), "src/code.py, the board's entry point, is missing"
    files = [CODE_PY, BOARD_MODULE]
    if os.path.exists(os.path.join(ROOT, "src", "boot.py")):
        files.append("src/boot.py")
    status, errors = mypy(files, tmp_path)
    assert failing(errors, files) == []


# --- the check has teeth -------------------------------------------------------
GOOD = """
import aesio
import busio
import mdns
import wifi
from adafruit_httpserver import Server

def start(pin):
    uart = busio.UART(None, pin, baudrate=9600, bits=7, stop=1, timeout=0, receiver_buffer_size=4096)
    uart.readinto(bytearray(16))
    wifi.radio.connect("home", "secret12", timeout=10)
    mdns.Server(wifi.radio).advertise_service(service_type="_http", protocol="_tcp", port=80)
    return wifi.radio.ap_info

def serve(pool, key):
    aesio.AES(key, aesio.MODE_ECB).encrypt_into(bytes(16), bytearray(16))
    server = Server(pool, "/static")
    server.start("0.0.0.0", 80)
    return server.poll()
"""

WRONG = [
    # (the line that replaces the good one, what mypy must say)
    ('    uart.readinto(bytearray(16))', '    uart.invert()', '"UART" has no attribute "invert"'),
    ('    return wifi.radio.ap_info', '    return wifi.radio.nonexistent', '"Radio" has no attribute "nonexistent"'),
    ('advertise_service(service_type="_http", protocol="_tcp", port=80)', 'advertise_service("_http", "_tcp", 80)',
     'Too many positional arguments for "advertise_service"'),
    ('    uart.readinto(bytearray(16))', '    uart.readinto(bytearray(16), invert=True)',
     'Unexpected keyword argument "invert"'),
    ('def start(pin):', 'import board\ndef start(pin=board.LED):', 'Module has no attribute "LED"'),
    ('    return wifi.radio.ap_info', '    import gc\n    return gc.mem_free()', 'Module has no attribute "mem_free"'),
    ('aesio.MODE_ECB).encrypt_into', 'aesio.MODE_GCM).encrypt_into', 'Module has no attribute "MODE_GCM"'),
    ('    return server.poll()', '    return server.poll(timeout=0.1)', 'Unexpected keyword argument "timeout"'),
]


def _probe(tmp_path, source):
    path = tmp_path / "cp_api_probe.py"
    path.write_text(textwrap.dedent(source))
    return mypy([str(path)], tmp_path / "cache")


def test_a_module_using_only_real_apis_passes(tmp_path):
    status, errors = _probe(tmp_path, GOOD)
    assert (status, errors) == (0, [])


@pytest.mark.parametrize("good,bad,message", WRONG, ids=[w[2] for w in WRONG])
def test_a_call_circuitpython_lacks_is_reported_even_in_an_unannotated_function(tmp_path, good, bad, message):
    assert good in GOOD
    status, errors = _probe(tmp_path, GOOD.replace(good, bad))
    assert status == 1
    assert [m for _, _, m, _ in errors if message in m], errors
    assert failing(errors, [])      # and it counts as an API error in any project module


def test_only_api_errors_count_outside_the_board_files():
    elsewhere = [
        ("src/lib/cosem/x.py", 3, '"object" has no attribute "get"', "attr-defined"),
        ("src/lib/cosem/x.py", 4, 'Need type annotation for "out"', "var-annotated"),
        ("src/lib/cosem/x.py", 5, '"AES" has no attribute "decrypt_gcm"', "attr-defined"),
        ("src/lib/cosem/x.py", 6, "Source file found twice under different module names", None),
    ]
    assert failing(elsewhere, []) == [
        'src/lib/cosem/x.py:5: "AES" has no attribute "decrypt_gcm" [attr-defined]',
        "src/lib/cosem/x.py:6: Source file found twice under different module names [None]",
    ]
    assert len(failing(elsewhere, ["src/lib/cosem/x.py"])) == 4
