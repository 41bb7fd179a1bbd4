"""The MicroPython-VM comparison the app and dashboard tests share: a fake Board's source
for their probes, and a run under CPython and the VM (tools/mpy_vm.py) that must agree."""

from tools.mpy_vm import package_files, run_in_cpython, run_in_vm

# MicroPython source: a board with a hand-moved clock and files in a dict
FAKE_BOARD = r'''
class Board:
    def __init__(self):
        self.now = 5
        self.files = {}
        self.fed = 0

    def ticks_ms(self):
        return self.now

    def wall_time(self):
        return (2026, 1, 2, 3, 4, 5)

    def read_file(self, name):
        return self.files.get(name)

    def write_file_atomic(self, name, data):
        self.files[name] = bytes(data)

    def watchdog_feed(self):
        self.fed += 1

    def sleep_ms(self, ms):
        pass

    def free_memory(self):
        return 123456

'''


def same_under_micropython(probe):
    """Run probe (emeter's modules on the VM's path) both ways; CPython's output, once
    both ran without error and printed the same."""
    rc_c, out_c = run_in_cpython(probe)
    rc_m, out_m = run_in_vm(probe, files=package_files("emeter"))
    assert rc_c == 0, out_c
    assert rc_m == 0, out_m
    assert out_m == out_c
    return out_c
