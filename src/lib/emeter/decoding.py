"""Build the stream decoder from the settings (keys as bytes)."""

try:
    from cosem import Decoder
except ImportError:  # until the lead's stream decoder lands: DSMR-only stand-in
    from ._standin import Decoder


def _key(hex_text):
    return bytes.fromhex(hex_text) if hex_text else None


def make_decoder(settings):
    return Decoder(key=_key(settings["key"]), auth_key=_key(settings["auth_key"]))
