"""Build the stream decoder from the settings (keys as bytes)."""

from cosem import Decoder


def _key(hex_text):
    return bytes.fromhex(hex_text) if hex_text else None


def make_decoder(settings):
    return Decoder(key=_key(settings["key"]), auth_key=_key(settings["auth_key"]))
