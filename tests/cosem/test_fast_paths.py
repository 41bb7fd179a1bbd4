"""The speed-ups keep the reference results: fast CRC roads, skipping A-XDR, writing plain JSON."""

from hypothesis import given, settings
from hypothesis import strategies as st

import corpus
from cosem import axdr, axdrmore, crc, hdlc
from cosem.jsonw import dumps


def _reference(data, poly, init, xorout):
    c = init
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
    return c ^ xorout


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000), st.integers(0, 40), st.integers(0, 40))
def test_both_crc_roads_equal_the_bitwise_definition(data, head, tail):
    end = max(head, len(data) - tail)
    part = data[head:end]
    assert crc.crc16_arc(data, head, end) == _reference(part, 0xA001, 0, 0)
    assert crc.crc16_x25(data, head, end) == _reference(part, 0x8408, 0xFFFF, 0xFFFF)
    assert crc.crc16_arc(bytearray(part)) == crc.crc16_arc(part)


def _bodies():
    out = []
    for name in corpus.names("hdlc-"):
        data = corpus.capture(name)
        status, end, frame = hdlc.parse_at(data, 0, len(data))
        if status == hdlc.FRAME:
            apdu = frame.info[3:] if frame.info[:3] == b"\xe6\xe7\x00" else frame.info
            if apdu[:1] == b"\x0f" and not frame.segmented:
                out.append(apdu)
    return out


BODIES = _bodies()


def test_skip_ends_where_decode_ends_on_every_real_body():
    assert len(BODIES) > 30
    for apdu in BODIES:
        pos = 5 + (1 if apdu[5] == 0 else 13 if apdu[5] == 0x0C else 14)
        node, end = axdr.decode(apdu, pos)
        assert axdrmore.skip(apdu, pos, len(apdu)) == end


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BODIES), st.integers(0, 10 ** 6), st.integers(0, 255))
def test_skip_and_decode_agree_on_damaged_bodies(apdu, pos, value):
    data = bytearray(apdu)
    data[pos % len(data)] = value
    start = 6
    try:
        _, end = axdr.decode(data, start)
    except axdr.AxdrError:
        end = None
    try:
        skipped = axdrmore.skip(data, start, len(data))
    except axdr.AxdrError:
        skipped = None
    if end is not None:
        assert skipped == end


def test_writing_a_node_directly_equals_writing_its_plain_form():
    for apdu in BODIES:
        node, _ = axdr.decode(apdu, 5 + (1 if apdu[5] == 0 else 13 if apdu[5] == 0x0C else 14))
        out = []
        axdrmore.write_plain(node, out)
        assert "".join(out) == dumps(axdrmore.plain(node))


def test_one_byte_values_share_one_node_and_keep_their_value_past_the_cache_bound():
    def one(tag, byte):
        return axdr.decode(bytes([tag, byte]))[0]

    first = one(axdr.INT8, 0xFF)
    assert first == (axdr.INT8, -1) and one(axdr.INT8, 0xFF) is first  # shared, not rebuilt
    assert one(axdr.BOOLEAN, 2) == (axdr.BOOLEAN, True) and one(axdr.ENUM, 27) == (axdr.ENUM, 27)
    for b in range(256):  # more distinct values than are remembered: each still exact
        assert one(axdr.UINT8, b) == (axdr.UINT8, b)
        assert one(axdr.INT8, b) == (axdr.INT8, b - 256 if b > 127 else b)
    assert len(axdr._SMALL) <= axdr._SMALL_MAX


def test_six_byte_codes_share_one_node_and_codes_with_the_same_digest_stay_apart():
    def one(code):
        return axdr.decode(bytes([axdr.OCTET_STRING, 6]) + bytes(code))[0]

    a = one([1, 0, 1, 8, 0, 255])
    assert a == (axdr.OCTET_STRING, bytes([1, 0, 1, 8, 0, 255])) and one([1, 0, 1, 8, 0, 255]) is a
    b = one([0, 16, 1, 8, 0, 255])  # the same look-up digest as a: compared byte by byte
    assert b == (axdr.OCTET_STRING, bytes([0, 16, 1, 8, 0, 255]))
    assert one([1, 0, 1, 8, 0, 255]) is a
