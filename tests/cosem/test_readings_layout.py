"""What the layout of a body proves: OBIS codes of any F where the structure puts a code,
6-byte values that stay values, and list rows that match only their own list."""

import json
import os
import subprocess
import sys

import pytest

import axdr_encode as enc
from cosem import axdr, decode, meterside
from cosem.lists import POSITIONAL
from cosem.readlists import find_list

LLC = b"\xe6\xe7\x00"
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "lib")


def one(data):
    items = decode(meterside.hdlc_frame(LLC + enc.notification(data)))
    assert [i.ok for i in items] == [True], items
    return items[0]


# --- OBIS codes whose F is not 255 ----------------------------------------------------------------

@pytest.mark.parametrize("f", [0, 1, 99, 101, 102, 126, 254])
def test_code_with_any_f_in_an_obis_value_scaler_structure_is_a_reading(f):
    body = enc.array(
        enc.structure(enc.obis(1, 0, 1, 8, 0), enc.integer(axdr.UINT32, 123456), enc.scaler_unit(0, 30)),
        enc.structure(enc.obis(1, 0, 1, 8, 0, f), enc.integer(axdr.UINT32, 120000), enc.scaler_unit(-3, 30)),
        enc.structure(enc.obis(1, 0, 1, 6, 0, f), enc.integer(axdr.UINT32, 4321)),
    )
    msg = one(body)
    assert msg.value("1-0:1.8.0") == 123456
    assert str(msg.value("1-0:1.8.0*%d" % f)) == "120.000" and msg.reading("1-0:1.8.0*%d" % f).unit == "Wh"
    assert msg.value("1-0:1.6.0*%d" % f) == 4321
    assert msg.unmapped == []


def test_code_with_f_in_a_kamstrup_style_interleaved_list_is_a_reading():
    body = enc.structure(
        enc.visible("Kamstrup_V0001"),
        enc.obis(1, 1, 0, 0, 5), enc.visible("5706567000000000"),
        enc.obis(1, 1, 1, 8, 0), enc.integer(axdr.UINT32, 1232787),
        enc.obis(1, 1, 1, 8, 0, 101), enc.integer(axdr.UINT32, 1200000),
        enc.obis(1, 1, 2, 8, 0, 102), enc.integer(axdr.UINT32, 5),
    )
    msg = one(body)
    assert str(msg.value("1-1:1.8.0")) == "12327.87"
    assert str(msg.value("1-1:1.8.0*101")) == "12000.00" and msg.reading("1-1:1.8.0*101").unit == "kWh"
    assert str(msg.value("1-1:2.8.0*102")) == "0.05"
    assert msg.unmapped == []


def test_a_value_of_a_billing_period_gets_no_name_of_the_current_register():
    from cosem.obis import name_of
    assert name_of("1-0:1.8.0") == "Active energy import"
    assert name_of("1-0:1.8.0*255") == "Active energy import"
    for f in (0, 1, 101, 126, 254):
        assert name_of("1-0:1.8.0*%d" % f) is None
    body = enc.array(
        enc.structure(enc.obis(1, 0, 1, 8, 0), enc.integer(axdr.UINT32, 123456), enc.scaler_unit(0, 30)),
        enc.structure(enc.obis(1, 0, 1, 8, 0, 101), enc.integer(axdr.UINT32, 120000), enc.scaler_unit(0, 30)),
    )
    readings = json.loads(one(body).to_json())["readings"]
    assert readings["1-0:1.8.0"]["name"] == "Active energy import"
    assert "name" not in readings["1-0:1.8.0*101"]


def test_six_byte_values_stay_values():
    """Ids, serials and dates of six bytes are values where the layout puts a value."""
    serial = b"\x01\x02\x03\x04\x05\x06"   # would read 1-2:3.4.5*6 if taken for a code
    stamp = b"\x07\xea\x0b\x1b\x0c\x00"    # six bytes of a date
    body = enc.array(
        enc.structure(enc.obis(0, 0, 96, 1, 0), enc.octets(serial)),
        enc.structure(enc.obis(0, 0, 96, 1, 1), enc.octets(stamp), enc.scaler_unit(0, 255)),
        enc.structure(enc.obis(1, 0, 1, 7, 0), enc.integer(axdr.UINT32, 1500), enc.scaler_unit(0, 27)),
    )
    msg = one(body)
    assert msg.value("0-0:96.1.0") == "010203040506"
    assert msg.value("0-0:96.1.1") == "07ea0b1b0c00"
    assert [r.obis for r in msg.readings] == ["0-0:96.1.0", "0-0:96.1.1", "1-0:1.7.0"]
    # interleaved: the six bytes after a code are its value, and the next code is found after them
    body = enc.structure(enc.visible("Kamstrup_V0001"), enc.obis(1, 1, 0, 0, 5), enc.octets(serial),
                         enc.obis(1, 1, 1, 7, 0), enc.integer(axdr.UINT32, 1500))
    msg = one(body)
    assert msg.value("1-1:0.0.5") == "010203040506" and msg.value("1-1:1.7.0") == 1500
    assert len(msg.readings) == 2


def test_six_bytes_outside_a_code_place_are_not_a_code():
    serial = b"\x01\x02\x03\x04\x05\x06"
    # a list without codes: the six bytes are reported, not read as 1-2:3.4.5*6
    msg = one(enc.structure(enc.octets(serial), enc.integer(axdr.UINT32, 7), enc.integer(axdr.UINT32, 8)))
    assert msg.readings == [] and msg.unmapped[0]["value"] == "010203040506"
    # a structure of six bytes and a structure is no (code, value) pair
    msg = one(enc.array(enc.structure(enc.octets(serial), enc.structure(enc.integer(axdr.UINT8, 1)))))
    assert msg.readings == []
    # text bytes are no code either
    msg = one(enc.array(enc.structure(enc.octets(b"AB0123"), enc.integer(axdr.UINT32, 7))))
    assert msg.readings == []


# --- positional lists: a row matches its own list only --------------------------------------------

def _flat_obis_list(count):
    """A flat structure of OBIS-tagged values: (count - 1) / 2 pairs after a list id."""
    items = [enc.visible("LIST-X")]
    c = 1
    while len(items) < count:
        items += [enc.obis(1, 0, c, 7, 0), enc.integer(axdr.UINT32, 100 + c)]
        c += 1
    return enc.structure(*items[:count])


def test_a_flat_obis_tagged_list_of_33_elements_is_read_by_its_codes():
    msg = one(_flat_obis_list(33))
    assert len(msg.readings) == 16 and msg.value("1-0:16.7.0") == 116
    assert msg.unmapped == []
    assert "Iskra" not in (msg.meter.get("list") or "")


def test_every_positional_row_names_its_count_and_every_type():
    for name, match, codes, family in POSITIONAL:
        assert match["count"] is not None and match["types"] is not None, name
        assert len(match["types"].split(",")) == match["count"], name
        assert len(codes) <= match["count"], name


def test_the_readings_guards_name_every_row_count_and_scaler_family():
    from cosem import readings
    from cosem.lists import SCALERS
    assert set(readings._LIST_COUNTS) == set(m["count"] for _, m, _, _ in POSITIONAL)
    assert set(readings._FAMILIES) == set(SCALERS)


def test_a_meter_whose_body_fits_no_list_never_loads_the_list_table():
    code = ("import sys; sys.path.insert(0, %r); sys.path.insert(0, %r)\n"
            "import corpus; from cosem import decode\n"
            "out = decode(corpus.capture('llc-aidon-se-list-1.hex'))\n"
            "assert out[0].ok and len(out[0].readings) > 20\n"
            "print('cosem.lists' in sys.modules)\n"
            "out = decode(corpus.capture('llc-kaifa-ma304h3e-list2-1.hex'))\n"
            "assert out[0].ok and out[0].meter['list']\n"
            "print('cosem.lists' in sys.modules)\n") % (SRC, HERE)
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, check=True).stdout
    assert out.split() == [b"False", b"True"]


def test_a_list_of_the_right_length_with_other_types_is_not_a_row():
    # Kaifa list 1 is one double-long-unsigned; one text of the same count is not it
    assert find_list([(axdr.VISIBLE_STRING, "hello")]) is None
    assert find_list([(axdr.UINT32, 5)])[0] == "Kaifa list 1"
    # KFM_001 list 2 (three phases): 13 elements, texts then numbers
    good = [(axdr.OCTET_STRING, b"KFM_001"), (axdr.OCTET_STRING, b"6970631401753985"),
            (axdr.OCTET_STRING, b"MA304H3E")] + [(axdr.UINT32, 1)] * 10
    assert find_list(good)[0] == "Kaifa KFM_001 list 2, three phases"
    bad = good[:3] + [(axdr.OCTET_STRING, b"\x01\x00\x01\x07\x00\xff")] + good[4:]
    assert find_list(bad) is None
