"""Host mode: the device application under CPython (a PC, a Raspberry Pi, CI)."""
