"""AES-128 forward cipher through CircuitPython's aesio (aes.py picks it when aesio imports)."""


class Aes128:
    """AES-128 forward cipher through CircuitPython's aesio (ECB, one block at a time)."""

    native = True

    def __init__(self, key):
        if len(key) != 16:
            raise ValueError("AES-128 key must be 16 bytes, got %d" % len(key))
        import aesio  # (here: the module imports on any VM, the cipher only on a board)
        self._aes = aesio.AES(bytes(key), aesio.MODE_ECB)
        self._buf = bytearray(16)

    def encrypt_block_into(self, src, dst):
        """src and dst are 16-byte buffers; dst may be src (then a scratch block is used)."""
        if dst is src:
            b = self._buf
            self._aes.encrypt_into(src, b)
            dst[:] = b
        else:
            self._aes.encrypt_into(src, dst)
