"""The DSMR number fast road (slices, isdigit, int() of bytes) gives the byte-at-a-time answer.

Both roads are run on every text here, whatever the VM would pick, so a difference in
value, type, exponent or unit shows up on CPython, where the fast road is taken.
"""

from hypothesis import example, given, settings
from hypothesis import strategies as st

import corpus
from cosem import dsmr
from cosem.message import Message
from cosem.number import Dec
from cosem.textnum import parse_decimal

# Digits, the signs and marks of a DSMR value, and bytes that are digits only outside ASCII
# ('²' in Latin-1, Arabic-Indic three in UTF-8), so a Unicode-aware digit test would differ.
_PIECES = [b"0", b"1", b"5", b"9", b"00", b"12345678", b".", b"*", b"-", b"+", b" ", b"_",
           b"kWh", b"kW", b"V", b"m3", b"\xb2", b"\xd9\xa3", b"(", b")", b"e"]


def _exact(v):
    # Dec(10, -1) == 1 is true; the roads must agree on the form too.
    return (Dec, v.m, v.e) if isinstance(v, Dec) else (type(v), v)


def _both(data, a, b):
    fast = dsmr._number(data, a, b)
    slow = dsmr._number_slow(data, a, b)
    return (_exact(fast[0]), fast[1]), (_exact(slow[0]), slow[1])


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12), st.binary(max_size=3), st.binary(max_size=3))
@example([b"002130", b".", b"115", b"*", b"kWh"], b"(", b")")
@example([b"5", b"."], b"", b"")
@example([b".", b"5", b"*"], b"", b"")
@example([b"12345678"] * 4, b"", b"")
def test_fast_number_equals_the_byte_at_a_time_reading(pieces, head, tail):
    text = b"".join(pieces)
    data = head + text + tail
    fast, slow = _both(data, len(head), len(head) + len(text))
    assert fast == slow


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(r"\A[0-9]{1,12}(\.[0-9]{0,6})?\Z", fullmatch=True),
       st.sampled_from(["", "*kWh", "*V", "*", "*kvarh", "*m3", "*foo", "*k*W"]))
def test_fast_number_equals_parse_decimal_on_register_texts(number, unit):
    data = ("(" + number + unit + ")").encode()
    v, u = dsmr._number(data, 1, len(data) - 1)
    assert _exact(v) == _exact(parse_decimal(number))
    assert u == (unit[1:] or None)


def test_units_come_back_as_the_same_text_by_either_road():
    for raw, text in dsmr._UNITS:
        data = b"(1*" + raw + b")"
        assert dsmr._number(data, 1, len(data) - 1) == (1, text)
        assert dsmr._number_slow(data, 1, len(data) - 1) == (1, text)


def test_a_long_number_is_read_exactly_not_refused():
    digits = b"9" * 5000  # past CPython's int() text limit: the byte road reads it
    data = b"(" + digits + b".5*kWh)"
    v, u = dsmr._number(data, 1, len(data) - 1)
    assert isinstance(v, Dec) and v.e == -1 and v.m == 10 ** 5001 - 5 and u == "kWh"


def test_a_repeated_code_replaces_its_earlier_value_in_place():
    # lines added straight to the index keep Message.add's rule: one reading per code
    data = (b"/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n1-0:1.8.2(000002.000*kWh)\r\n"
            b"1-0:1.8.1(000003.000*kWh)\r\n!")
    msg = dsmr.parse(data, check_crc=False)
    assert [r.obis for r in msg.readings] == ["1-0:1.8.1", "1-0:1.8.2"]
    assert str(msg.value("1-0:1.8.1")) == "3.000"


def test_index_is_the_same_dict_after_a_reindex():
    m = Message("dsmr")
    idx = m.index()
    m.add("1-0:1.8.0", 1)
    m.readings.append(m.readings[0])  # grown from outside: the next look-up indexes afresh
    assert m.reading("1-0:1.8.0") is m.readings[0]
    assert m.index() is idx and idx == {"1-0:1.8.0": 0}


def test_every_dsmr_capture_decodes_the_same_by_either_road():
    saved = dsmr._SLICING
    names = corpus.names("dsmr-")
    assert len(names) > 20
    try:
        for name in names:
            data = corpus.capture(name)
            dsmr._SLICING = True
            fast = dsmr.parse(data)
            dsmr._SLICING = False
            slow = dsmr.parse(data)
            assert fast.to_json() == slow.to_json(), name
    finally:
        dsmr._SLICING = saved


def test_board_road_tells_apart_codes_that_share_length_and_last_bytes():
    # '1-0:1.8.1' and '1-1:1.8.1' differ only in the byte the board road's look-up skips
    body = b"/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n1-1:1.8.1(000002.000*kWh)\r\n" \
           b"1-0:1.8.1(000003.000*kWh)\r\n!\r\n"
    saved = dsmr._SLICING
    try:
        dsmr._SLICING = False
        msg = dsmr.parse(body)
    finally:
        dsmr._SLICING = saved
    assert [(r.obis, str(r.value)) for r in msg.readings] == [("1-0:1.8.1", "3.000"), ("1-1:1.8.1", "2.000")]
