"""Frames we build ourselves, for every layout, date-time form, A-XDR type,
segmentation and cipher mode: each must decode back to what was put in."""

import json

import pytest

import axdr_encode as enc
from cosem import axdr, decode, mbus, meterside
from cosem.number import Dec

LLC = b"\xe6\xe7\x00"
KEY = bytes(range(16))
AUTH = bytes(range(16, 32))
TITLE = b"TST\x01\x02\x03\x04\x05"


def one(items):
    msgs = [i for i in items if i.ok]
    fails = [i for i in items if not i.ok]
    assert not fails, fails
    assert len(msgs) == 1
    return msgs[0]


def frame(apdu):
    return meterside.hdlc_frame(LLC + apdu)


@pytest.mark.parametrize("form", ["none", "0c", "090c"])
def test_each_datetime_form_of_the_notification_header(form):
    stamp = enc.datetime_bytes(2024, 3, 31, 2, 59, 58, deviation=-120, status=0x80)
    body = enc.array(enc.structure(enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.UINT32, 5), enc.scaler_unit(0, 27)))
    msg = one(decode(frame(enc.notification(body, stamp, form))))
    assert msg.timestamp == (None if form == "none" else "2024-03-31T02:59:58+02:00")
    assert msg.value("1-0:1.7.0") == 5


def test_datetime_with_unspecified_deviation_has_no_offset():
    stamp = enc.datetime_bytes(2021, 6, 14, 17, 37, 30)
    msg = one(decode(frame(enc.notification(enc.structure(enc.integer(axdr.UINT32, 1)), stamp))))
    assert msg.timestamp == "2021-06-14T17:37:30"


TYPES = [
    (enc.integer(axdr.INT8, -128), -128),
    (enc.integer(axdr.INT16, -2), -2),
    (enc.integer(axdr.INT32, -2147483648), -2147483648),
    (enc.integer(axdr.INT64, -(2 ** 63)), -(2 ** 63)),
    (enc.integer(axdr.UINT8, 255), 255),
    (enc.integer(axdr.UINT16, 65535), 65535),
    (enc.integer(axdr.UINT32, 4294967295), 4294967295),
    (enc.integer(axdr.UINT64, 2 ** 64 - 1), 2 ** 64 - 1),
    (enc.integer(axdr.ENUM, 3), 3),
    (enc.integer(axdr.BCD, 0x42), 0x42),
    (enc.integer(axdr.BOOLEAN, True), True),
    (enc.visible("ABC-123"), "ABC-123"),
    (enc.utf8("Zürich ⚡"), "Zürich ⚡"),
    (enc.octets(b"12345678"), "12345678"),
    (enc.octets(b"\x01\x02\xff"), "0102ff"),
    (bytes([axdr.BIT_STRING, 12, 0xAB, 0xC0]), "abc0"),
    (enc.float32(1.5), 1.5),
    (enc.float64(-0.25), -0.25),
    (bytes([axdr.DATE_TIME]) + enc.datetime_bytes(2020, 1, 2, 3, 4, 5, 60), "2020-01-02T03:04:05-01:00"),
    (bytes([axdr.DATE, 0x07, 0xE4, 1, 2, 0xFF]), "07e40102ff"),
    (bytes([axdr.TIME, 3, 4, 5, 0xFF]), "030405ff"),
    (enc.octets(b"x" * 200), "x" * 200),      # 0x81 length
    (enc.octets(b"y" * 300), "y" * 300),      # 0x82 length
    (bytes([axdr.NULL]), None),
]


@pytest.mark.parametrize("encoded,expected", TYPES, ids=[str(i) for i in range(len(TYPES))])
def test_every_axdr_type_round_trips(encoded, expected):
    body = enc.structure(enc.obis(0, 0, 96, 99, 1), encoded, enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.UINT32, 7))
    items = decode(frame(enc.notification(body)))
    msg = one(items)
    assert msg.value("1-0:1.7.0") == 7
    if expected is None:
        assert msg.reading("0-0:96.99.1") is None  # a null is a placeholder, not a reading
    else:
        got = msg.value("0-0:96.99.1")
        assert got == expected and type(got) is type(expected)
    json.loads(msg.to_json())


def test_three_byte_length_form_decodes():
    raw = bytes([axdr.OCTET_STRING, 0x83, 0x00, 0x00, 0x05]) + b"hello"
    node, end = axdr.decode(raw)
    assert node == (axdr.OCTET_STRING, b"hello") and end == len(raw)


def test_compact_array_of_structures():
    desc = bytes([axdr.STRUCTURE, 2, axdr.UINT16, axdr.INT8])
    contents = b"\x00\x05\xff" + b"\x01\x00\x02"
    raw = bytes([axdr.COMPACT_ARRAY]) + desc + enc.length(len(contents)) + contents
    node, end = axdr.decode(raw)
    assert end == len(raw)
    assert node == (axdr.COMPACT_ARRAY, [(axdr.STRUCTURE, [(axdr.UINT16, 5), (axdr.INT8, -1)]),
                                         (axdr.STRUCTURE, [(axdr.UINT16, 256), (axdr.INT8, 2)])])


def test_array_of_structures_with_scalers_is_exact():
    body = enc.array(
        enc.structure(enc.obis(1, 0, 32, 7, 0), enc.integer(axdr.UINT16, 2308), enc.scaler_unit(-1, 35)),
        enc.structure(enc.obis(1, 0, 31, 7, 0), enc.integer(axdr.INT16, -5), enc.scaler_unit(-2, 33)),
        enc.structure(enc.obis(1, 0, 1, 8, 0), enc.integer(axdr.UINT32, 4294967295), enc.scaler_unit(1, 30)),
        enc.structure(enc.obis(0, 0, 96, 1, 0), enc.visible("7359992895913195")),
    )
    msg = one(decode(frame(enc.notification(body))))
    assert str(msg.value("1-0:32.7.0")) == "230.8" and msg.reading("1-0:32.7.0").unit == "V"
    assert str(msg.value("1-0:31.7.0")) == "-0.05"
    assert msg.value("1-0:1.8.0") == 42949672950 and msg.reading("1-0:1.8.0").unit == "Wh"
    assert msg.meter["id"] == "7359992895913195"
    assert '"1-0:32.7.0":{"value":230.8,"unit":"V"' in msg.to_json()


def test_flat_interleaved_structure_with_null_placeholders():
    body = enc.structure(
        enc.visible("Kamstrup_V0001"),
        enc.obis(1, 1, 0, 0, 5), enc.visible("5706567000000000"),
        enc.obis(1, 1, 31, 7, 0), enc.integer(axdr.UINT32, 290),
        bytes([0]), bytes([0]),
        enc.obis(1, 1, 32, 7, 0), enc.integer(axdr.UINT16, 226),
        enc.obis(1, 1, 1, 8, 0), enc.integer(axdr.UINT32, 1232787),
    )
    msg = one(decode(frame(enc.notification(body))))
    assert msg.meter["list"] == "Kamstrup_V0001" and msg.meter["id"] == "5706567000000000"
    assert msg.value("1-1:31.7.0") == Dec(290, -2)  # scaler from the list table: data, not code
    assert str(msg.value("1-1:1.8.0")) == "12327.87" and msg.reading("1-1:1.8.0").unit == "kWh"
    assert [r.obis for r in msg.readings] == ["1-1:0.0.5", "1-1:31.7.0", "1-1:32.7.0", "1-1:1.8.0"]


def test_list_without_obis_is_mapped_by_its_table_row():
    body = enc.structure(enc.octets(b"KFM_001"), enc.octets(b"6970631401753985"), enc.octets(b"MA304H3E"),
                         *[enc.integer(axdr.UINT32, v) for v in (4539, 0, 0, 127, 14413, 15494, 5211, 2383, 0, 2396)])
    msg = one(decode(frame(enc.notification(body))))
    assert str(msg.value("1-0:31.7.0")) == "14.413" and str(msg.value("1-0:72.7.0")) == "239.6"
    assert msg.unmapped == []


def test_unknown_list_without_obis_is_reported_unmapped_not_guessed():
    body = enc.structure(enc.integer(axdr.UINT16, 1), enc.integer(axdr.UINT32, 2), enc.integer(axdr.UINT32, 3))
    msg = one(decode(frame(enc.notification(body))))
    assert msg.readings == []
    assert [(u["index"], u["value"]) for u in msg.unmapped] == [(0, 1), (1, 2), (2, 3)]


def test_push_object_list_maps_values_in_its_order():
    entries = [enc.structure(enc.integer(axdr.UINT16, 40), enc.obis(0, 8, 25, 9, 0), enc.integer(axdr.INT8, 2),
                             enc.integer(axdr.UINT16, 0)),
               enc.structure(enc.integer(axdr.UINT16, 3), enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.INT8, 2),
                             enc.integer(axdr.UINT16, 0)),
               enc.structure(enc.integer(axdr.UINT16, 3), enc.obis(1, 0, 31, 7, 0), enc.integer(axdr.INT8, 2),
                             enc.integer(axdr.UINT16, 0))]
    body = enc.structure(enc.array(*entries), enc.integer(axdr.UINT32, 331), enc.integer(axdr.UINT16, 49))
    msg = one(decode(frame(enc.notification(body))))
    assert msg.value("1-0:1.7.0") == 331 and str(msg.value("1-0:31.7.0")) == "0.49"


def _segments(data, n):
    size = (len(data) + n - 1) // n
    return [data[i:i + size] for i in range(0, len(data), size)]


def _big_body():
    return enc.array(*[enc.structure(enc.obis(1, 0, c, 7, 0), enc.integer(axdr.UINT32, c * 1000),
                                     enc.scaler_unit(0, 27)) for c in range(1, 60)])


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_hdlc_segmented_message_is_joined(parts):
    info = LLC + enc.notification(_big_body())
    chunks = _segments(info, parts)
    stream = b"".join(meterside.hdlc_frame(c, segmented=i < len(chunks) - 1) for i, c in enumerate(chunks))
    msg = one(decode(stream))
    assert len(msg.readings) == 59 and msg.value("1-0:59.7.0") == 59000
    assert msg.frame["segments"] == parts


def test_hdlc_segment_without_its_last_part_is_incomplete():
    info = LLC + enc.notification(_big_body())
    first = _segments(info, 2)[0]
    items = decode(meterside.hdlc_frame(first, segmented=True))
    assert [i.reason for i in items] == ["incomplete"]


@pytest.mark.parametrize("parts", [5, 8])
def test_mbus_segments_are_joined(parts):
    apdu = enc.notification(_big_body())
    chunks = _segments(apdu, parts)
    stream = b"".join(mbus.build(c, ci=i | (0x10 if i == len(chunks) - 1 else 0)) for i, c in enumerate(chunks))
    msg = one(decode(stream))
    assert msg.format == "mbus" and len(msg.readings) == 59


def test_mbus_missing_middle_segment_is_rejected():
    chunks = _segments(enc.notification(_big_body()), 6)
    stream = mbus.build(chunks[0], ci=0) + mbus.build(chunks[2], ci=0x02)
    items = decode(stream)
    assert not [i for i in items if i.ok] and "incomplete" in [i.reason for i in items]


def _gbt(number, last, data):
    return bytes([0xE0, 0x80 if last else 0x40]) + number.to_bytes(2, "big") + b"\x00\x00" + enc.length(len(data)) + data


def test_general_block_transfer_is_reassembled():
    apdu = enc.notification(_big_body())
    chunks = _segments(apdu, 3)
    stream = b"".join(meterside.hdlc_frame((LLC if i == 0 else b"") + _gbt(i + 1, i == 2, c)) for i, c in enumerate(chunks))
    msg = one(decode(stream))
    assert len(msg.readings) == 59


def _ciphered(plain, sc, key=KEY, auth=AUTH, counter=b"\x00\x00\x01\x02"):
    iv = TITLE + counter
    if sc & 0x20:
        ct, tag = meterside.encrypt(key, iv, plain, bytes([sc]) + auth)
        body = ct + (tag if sc & 0x10 else b"")
    else:
        tag = meterside.tag_only(key, iv, bytes([sc]) + auth + plain)
        body = plain + tag
    inner = bytes([sc]) + counter + body
    return b"\xdb" + bytes([len(TITLE)]) + TITLE + enc.length(len(inner)) + inner


PLAIN = enc.notification(enc.structure(enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.UINT32, 1234)))


@pytest.mark.parametrize("sc", [0x30, 0x20, 0x21, 0x10])
def test_each_security_mode_decodes_with_the_right_keys(sc):
    msg = one(decode(frame(_ciphered(PLAIN, sc)), KEY, AUTH))
    assert msg.value("1-0:1.7.0") == 1234
    assert msg.apdu["security"]["security_control"] == "0x%02x" % sc


def test_encrypted_and_authenticated_without_an_auth_key_still_decrypts():
    msg = one(decode(frame(_ciphered(PLAIN, 0x30)), KEY, None))
    assert msg.value("1-0:1.7.0") == 1234 and msg.apdu["security"]["authenticated"] is False


def test_wrong_auth_key_is_an_auth_failure_with_no_readings():
    items = decode(frame(_ciphered(PLAIN, 0x30)), KEY, bytes(16))
    assert [i.reason for i in items] == ["auth"]


def test_wrong_key_without_a_tag_is_a_decrypt_failure():
    items = decode(frame(_ciphered(PLAIN, 0x20)), bytes(16), None)
    assert [i.reason for i in items] == ["decrypt"]


def test_missing_key_says_so():
    items = decode(frame(_ciphered(PLAIN, 0x30)))
    assert [i.reason for i in items] == ["no-key"] and "no key" in items[0].text


def test_encrypted_dsmr_telegram_is_parsed():
    telegram = b"/ISK5\\2M550T-1012\r\n\r\n1-0:1.7.0(00.111*kW)\r\n!"
    from cosem.crc import crc16_arc
    telegram += b"%04X\r\n" % crc16_arc(telegram)
    msg = one(decode(_ciphered(telegram, 0x30), KEY, AUTH))
    assert msg.format == "dsmr" and str(msg.value("1-0:1.7.0")) == "0.111"
