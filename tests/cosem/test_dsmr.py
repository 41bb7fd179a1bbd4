"""cosem.dsmr against every DSMR capture in the shared corpus, plus the edges around it.

The corpus files say what each telegram must decode to (or that it must be
rejected); numbers are compared exactly: the expected JSON float and our Dec meet
as decimal text, never as floats.
"""

import decimal
import glob
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "src", "lib"))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")

from cosem import dsmr  # noqa: E402
from cosem.crc import crc16_arc  # noqa: E402
from cosem.number import Dec  # noqa: E402

TELEGRAMS = sorted(glob.glob(os.path.join(CORPUS, "dsmr-*.txt")))


def _read(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return f.read()


def _expected(path):
    with open(path[:-4] + ".expected.json") as f:
        return json.load(f)


def _hex_capture(name):
    return bytes.fromhex(_read(name).decode().strip())


def _with_crc(text, eol=b"\r\n"):
    """A telegram from '/' to '!' (bytes), closed with its correct CRC and a line end."""
    return text + b"%04X" % crc16_arc(text) + eol


def _same_number(ours, exp):
    assert not isinstance(ours, float), "a register became a float: %r" % (ours,)
    if isinstance(exp, str):
        return ours == exp
    assert isinstance(ours, (int, Dec)), "expected a number, got %r" % (ours,)
    if isinstance(exp, int):
        return ours == exp
    return decimal.Decimal(str(ours)) == decimal.Decimal(repr(exp))


def _iso_of_profile_time(raw):
    return "20%s-%s-%sT%s:%s:%s" % (raw[0:2], raw[2:4], raw[4:6], raw[6:8], raw[8:10], raw[10:12])


def _check_entry(key, exp, r):
    """One expected 'obis' entry against our Reading."""
    extra = r.extra or {}
    if "count" in exp:  # power-failure log
        assert r.value == exp["count"], key
        assert len(extra["entries"]) == len(exp["entries"]), key
        for ours, want in zip(extra["entries"], exp["entries"]):
            assert ours["end"] == want["end"] and ours["dst"] == want["end_dst"], key
            assert ours["duration"] == want["duration"] and ours["unit"] == want["unit"], key
    elif "values" in exp:
        vals = exp["values"]
        if "entries" in extra:  # e-MUCS peak history: count, OBIS refs, then triples
            assert _same_number(r.value, vals[0]["value"]), key
            rest = [v for v in vals[1:] if not (isinstance(v.get("value"), str) and ":" in v["value"])]
            assert len(rest) == 3 * len(extra["entries"]), key
            for i, ours in enumerate(extra["entries"]):
                period, when, peak = rest[3 * i:3 * i + 3]
                assert (ours["timestamp"], ours["dst"]) == (period["timestamp"], period["dst"]), key
                assert (ours["occurred"], ours["occurred_dst"]) == (when["timestamp"], when["dst"]), key
                assert _same_number(ours["value"], peak["value"]) and ours["unit"] == peak["unit"], key
        elif key.endswith(":24.3.0"):  # DSMR 2.2/3 gas profile
            assert _same_number(r.value, vals[-1]["value"]), key
            assert r.unit == vals[5]["value"], key
            assert extra["timestamp"] == _iso_of_profile_time(vals[0]["raw"]), key
        else:  # a line nobody has described: every value in order
            assert isinstance(r.value, list) and len(r.value) == len(vals), key
            for ours, want in zip(r.value, vals):
                if "timestamp" in want:
                    assert (ours["timestamp"], ours["dst"]) == (want["timestamp"], want["dst"]), key
                else:
                    assert _same_number(ours["value"], want["value"]), key
                    assert ours.get("unit") == want.get("unit"), key
    elif "value" not in exp:  # the clock line
        assert r.value == exp["timestamp"] and extra.get("dst") == exp["dst"], key
    else:
        assert _same_number(r.value, exp["value"]), (key, r.value, exp["value"])
        assert r.unit == exp.get("unit"), (key, r.unit, exp.get("unit"))
        if "timestamp" in exp:
            assert extra["timestamp"] == exp["timestamp"] and extra["dst"] == exp["dst"], key


def _check_readings(msg, obis):
    ours = dict((r.obis, r) for r in msg.readings)
    assert sorted(ours) == sorted(obis)
    for key, exp in obis.items():
        _check_entry(key, exp, ours[key])


@pytest.mark.parametrize("path", TELEGRAMS, ids=[os.path.basename(p)[:-4] for p in TELEGRAMS])
def test_corpus_telegram_decodes_to_its_expected_values(path):
    exp = _expected(path)
    with open(path, "rb") as f:
        data = f.read()
    out = dsmr.parse(data)
    if "error" in exp:
        assert not out.ok, exp["error"]
        assert out.reason in ("crc", "truncated", "dsmr")
        return
    assert out.ok, out
    assert out.format == "dsmr"
    assert out.meter["identification"] == exp["identification"]
    assert out.meter.get("id") == exp.get("meter_id")
    if "dsmr_version" in exp:
        assert out.meter["dsmr_version"] == exp["dsmr_version"]
    assert out.timestamp == exp.get("timestamp")
    _check_readings(out, exp["obis"])
    assert json.loads(out.to_json())["format"] == "dsmr"


REJECTED_WITH_VALUES = [p for p in TELEGRAMS if "decoded_ignoring_error" in _expected(p)]


@pytest.mark.parametrize("path", REJECTED_WITH_VALUES,
                         ids=[os.path.basename(p)[:-4] for p in REJECTED_WITH_VALUES])
def test_rejected_telegram_still_reads_right_when_the_check_is_waived(path):
    # The corpus also records what the lines of a rejected telegram say; with the
    # CRC check off (diagnosis) they must come out the same. A telegram cut before
    # '!' gets an end line; one with a line that is not OBIS stays rejected.
    exp = _expected(path)["decoded_ignoring_error"]
    with open(path, "rb") as f:
        data = f.read()
    if b"\n!" not in data:
        data = data.rstrip(b"\r\n") + b"\r\n!\r\n"
    out = dsmr.parse(data, check_crc=False)
    if exp.get("unparsed_lines"):
        assert not out.ok and out.reason == "dsmr"
        assert exp["unparsed_lines"][0] in out.text
        return
    assert out.ok, out
    _check_readings(out, exp["obis"])
    if "timestamp" in exp:
        assert out.timestamp == exp["timestamp"]


def test_bad_crc_is_rejected_with_both_values_in_the_text():
    out = dsmr.parse(_read("dsmr-denmark-kamstrup-omnia-malformed-1.txt"))
    assert (out.ok, out.format, out.reason) == (False, "dsmr", "crc")
    assert out.text == "CRC mismatch: telegram says 8AEF, computed 7AEB"
    assert out.raw == _read("dsmr-denmark-kamstrup-omnia-malformed-1.txt")


def test_crc_sent_as_three_hex_digits_is_compared_as_a_number():
    data = _read("dsmr-v5-nl-warmtelink-heat-1.txt")
    assert b"\r\n!B9F\r\n" in data
    assert dsmr.parse(data).ok
    assert dsmr.parse(data.replace(b"!B9F", b"!0B9F")).ok
    assert dsmr.parse(data.replace(b"!B9F", b"!b9f")).reason == "dsmr"  # meters send upper case
    assert dsmr.parse(data.replace(b"!B9F", b"!B9E")).reason == "crc"


def test_telegram_without_crc_is_accepted():
    data = _read("dsmr-v4.2-nl-kaifa-1.txt")
    bare = data.replace(b"!6796\r\n", b"!\r\n")
    out = dsmr.parse(bare)
    assert out.ok and out.value("1-0:1.8.1") == Dec(1581123, -3)


def test_end_line_with_one_or_two_crc_digits_is_malformed():
    data = _read("dsmr-v4.2-nl-kaifa-1.txt")
    for tail in (b"!67\r\n", b"!6\r\n", b"!67965\r\n", b"!67x6\r\n"):
        out = dsmr.parse(data.replace(b"!6796\r\n", tail))
        assert (out.ok, out.reason) == (False, "dsmr"), tail


def test_lf_only_telegram_is_checked_over_the_bytes_as_received():
    crlf = _read("dsmr-v4.2-nl-kaifa-1.txt")
    lf = _with_crc(crlf[:crlf.index(b"\r\n!") + 3].replace(b"\r\n", b"\n"), b"\n")
    assert b"\r" not in lf
    a, b = dsmr.parse(crlf), dsmr.parse(lf)
    assert b.ok, b
    assert [(r.obis, str(r.value), r.unit) for r in a.readings] == \
        [(r.obis, str(r.value), r.unit) for r in b.readings]
    # The CRLF telegram's CRC does not cover the LF bytes: that must not pass.
    assert dsmr.parse(crlf.replace(b"\r\n", b"\n")).reason == "crc"


def test_corpus_lf_telegram_with_a_stale_crc_is_rejected():
    out = dsmr.parse(_read("dsmr-v4.2-nl-landisgyr-xmx5-lf-1.txt"))
    assert out.reason == "crc"
    assert "FCA6" in out.text and "FBE7" in out.text


def test_a_flipped_byte_anywhere_in_a_crc_telegram_is_rejected():
    data = _read("dsmr-v5b-belgium-fluvius-1.txt")
    start, stop = data.index(b"/"), data.index(b"\r\n!") + 7  # '/' .. last CRC digit
    assert dsmr.parse(data).ok
    for i in range(start, stop):
        for mask in (0x01, 0x20):
            bad = bytearray(data)
            bad[i] ^= mask
            out = dsmr.parse(bytes(bad))
            assert not out.ok, (i, mask, data[i:i + 1])


def test_hostile_text_in_a_message_line_survives_as_text():
    text = '<script>alert("x")</script> \\ \'; DROP (nested) ) ( "},"x":1 \x01 \xff end'
    body = ("/XYZ5 test\r\n\r\n0-0:1.0.0(240101120000W)\r\n0-0:96.13.0(%s)\r\n"
            "1-0:1.8.0(000001.500*kWh)\r\n!" % text).encode("latin-1")
    out = dsmr.parse(_with_crc(body))
    assert out.ok, out
    assert out.value("0-0:96.13.0") == text
    assert out.value("1-0:1.8.0") == Dec(1500, -3)
    assert json.loads(out.to_json())["readings"]["0-0:96.13.0"]["value"] == text


def test_line_that_is_not_obis_is_rejected_even_with_a_good_crc():
    data = _read("dsmr-denmark-kamstrup-omnia-malformed-1.txt")
    out = dsmr.parse(_with_crc(data[:data.index(b"\r\n!") + 3]))
    assert (out.ok, out.reason) == (False, "dsmr")
    assert "1-0:4:24.7.0" in out.text


def test_junk_between_values_and_stray_continuation_are_rejected():
    for lines in (b"1-0:1.8.0(1*kWh)x(2)\r\n", b"(00001.001)\r\n1-0:1.8.0(1*kWh)\r\n",
                  b"1-0:1.8.0(1*kWh\r\n", b"hello\r\n"):
        out = dsmr.parse(_with_crc(b"/ABC5\r\n\r\n" + lines + b"!"))
        assert (out.ok, out.reason) == (False, "dsmr"), lines


def test_no_end_line_is_truncated_and_no_start_is_rejected():
    data = _read("dsmr-v4.2-nl-kaifa-1.txt")
    assert dsmr.parse(data[:400]).reason == "truncated"
    assert dsmr.parse(data[1:]).reason == "dsmr"


def test_obis_suffix_255_is_normalised_and_m_bus_channel_kept():
    out = dsmr.parse(_read("dsmr-de-easymeter-q3d-1.txt"))
    assert out.reading("1-0:1.8.0").unit == "kWh"
    assert out.value("1-0:1.8.0") == Dec(521857825309, -7)
    fl = dsmr.parse(_read("dsmr-v5b-belgium-fluvius-1.txt"))
    assert fl.reading("0-1:24.2.3").unit == "m3" and fl.reading("0-2:24.2.1").unit == "m3"


def test_strings_the_meter_sends_as_codes_stay_strings():
    out = dsmr.parse(_read("dsmr-v4.2-nl-kaifa-1.txt"))
    assert out.value("0-0:96.14.0") == "0002"
    assert out.value("1-3:0.2.8") == "42"
    assert out.value("0-0:96.7.21") == 15


# --- the Polish hybrid: identification, blank line, GCM block without 0xDB, '!' + CRC ---

KEY = bytes(range(16))


def _hybrid(plain, key=KEY, fc=7, sc=0x30, title=b""):
    from cosem import meterside
    fcb = fc.to_bytes(4, "big")
    ct, tag = meterside.encrypt(key, (title + bytes(8))[:8] + fcb, plain, b"", 12)
    block = bytes([sc]) + fcb + ct + (tag if sc & 0x10 else b"")
    head = b"/EGM5G35\r\n\r\n" + bytes([len(title)]) + title + b"\x82" + len(block).to_bytes(2, "big")
    return head + block + b"!"


PLAIN = (b"0-0:1.0.0(260410150553S)\r\n1-0:1.8.0(012345.035*kWh)\r\n1-0:1.7.0(00.132*kW)\r\n"
         b"0-0:96.13.0(caf\xe9 (ok))\r\n")


def test_hybrid_capture_without_a_key_says_no_key():
    out = dsmr.parse(_hex_capture("dsmrgcm-elgama-g35-pl-1.hex"))
    assert (out.ok, out.reason) == (False, "no-key")


def test_hybrid_capture_cut_short_is_truncated():
    out = dsmr.parse(_hex_capture("dsmrgcm-kaifa-ma309m-pl-corrupt-1.hex"), key=KEY)
    assert (out.ok, out.reason) == (False, "truncated")


def test_hybrid_capture_with_a_wrong_key_is_not_decoded_to_garbage():
    out = dsmr.parse(_hex_capture("dsmrgcm-elgama-g35-pl-1.hex"), key=KEY)
    assert (out.ok, out.reason) == (False, "decrypt")


def test_hybrid_decrypts_with_the_key_and_crc_over_the_plaintext():
    wire = _hybrid(PLAIN)
    crc = crc16_arc(b"/EGM5G35\r\n\r\n" + PLAIN + b"!")
    out = dsmr.parse(wire + b"%04X\r\n" % crc, key=KEY)
    assert out.ok, out
    assert out.timestamp == "2026-04-10T15:05:53"
    assert out.value("1-0:1.8.0") == Dec(12345035, -3)
    assert out.meter["identification"] == "/EGM5G35"
    assert out.value("0-0:96.13.0") == "caf\xe9 (ok)"  # a non-ASCII byte is text, not a wrong key
    assert out.frame["frame_counter"] == 7
    assert out.raw.startswith(b"/EGM5G35\r\n\r\n\x00\x82")


def test_hybrid_with_a_crc_over_the_wire_bytes_is_accepted_and_a_wrong_one_rejected():
    wire = _hybrid(PLAIN, fc=0x01020304)
    assert dsmr.parse(wire + b"%04X\r\n" % crc16_arc(wire), key=KEY).ok
    assert dsmr.parse(wire + b"\r\n", key=KEY).ok  # no CRC at all
    bad = crc16_arc(wire) ^ 0x5A5A
    assert dsmr.parse(wire + b"%04X\r\n" % bad, key=KEY).reason == "crc"


def test_hybrid_telegrams_under_one_key_share_one_cipher(monkeypatch):
    # a telegram a second: the key's AES and GHASH tables are built once, not per telegram
    from cosem import gcm
    wires = [_hybrid(PLAIN, fc=fc) + b"\r\n" for fc in range(5)]
    other = _hybrid(PLAIN, key=bytes(16)) + b"\r\n"
    built = []
    made = gcm.Gcm.__init__

    def counted(self, key):
        built.append(bytes(key))
        made(self, key)
    monkeypatch.setattr(gcm.Gcm, "__init__", counted)
    assert all(dsmr.parse(w, key=KEY).ok for w in wires)
    assert dsmr.parse(other, key=bytes(16)).ok and dsmr.parse(wires[0], key=KEY).ok
    assert built in ([KEY, bytes(16), KEY], [bytes(16), KEY])  # (KEY's may be left from a test before)


def test_hybrid_whose_declared_length_misses_the_bang_is_rejected():
    wire = _hybrid(PLAIN)
    out = dsmr.parse(wire[:-1] + b"X!1234\r\n", key=KEY)
    assert (out.ok, out.reason) == (False, "length")


# --- the byte-level fast paths give the same answers as the text functions they shortcut ---

from hypothesis import given, settings, strategies as st  # noqa: E402

from cosem.textnum import parse_key  # noqa: E402


def _typed(v):
    return (type(v).__name__, str(v))


@settings(max_examples=400)
@given(st.text(alphabet="0123456789.-+*kWhVA3 x", max_size=16))
def test_register_read_from_bytes_equals_reading_it_as_text(t):
    v1, u1 = dsmr._number(t.encode(), 0, len(t))
    v2, u2 = dsmr._value(t)
    assert (_typed(v1), u1) == (_typed(v2), u2)


@settings(max_examples=400)
@given(st.text(alphabet="0123456789-:.*", max_size=18))
def test_obis_key_read_from_bytes_equals_parse_key(t):
    assert dsmr._obis(t.encode(), 0, len(t)) == parse_key(t)


def test_obis_plain_form_and_suffixed_forms_give_one_key():
    for t in ("1-0:1.8.0", "1-0:1.8.0*255", "1-0:1.8.0.255", "01-0:1.8.0"):
        assert dsmr._obis(t.encode(), 0, len(t)) == "1-0:1.8.0", t
    assert dsmr._obis(b"1-0:1.8.0*1", 0, 11) == "1-0:1.8.0*1"
    assert dsmr._obis(b"1-0:256.8.0", 0, 11) is None


def test_plaintext_of_a_0xdb_wrapped_telegram_decodes_to_its_expected_values():
    # The DLMS layer unwraps DB 08 <title> 82 <len> 30 <fc> <ciphertext> <tag> and hands
    # the plaintext here; decrypt the corpus frame the same way and check the values.
    from cosem import meterside
    exp = _expected(os.path.join(CORPUS, "dsmrgcm-sagemcom-t210dr-at-steiermark-1.hex"))
    wire = _hex_capture("dsmrgcm-sagemcom-t210dr-at-steiermark-1.hex")
    assert wire[0] == 0xDB and wire[1] == 8 and wire[10] == 0x82 and wire[13] == 0x30
    plain = meterside.decrypt(bytes.fromhex(exp["key"]), wire[2:10] + wire[14:18], wire[18:-12])
    assert bytes(plain) == exp["decrypted_telegram_text"].encode("latin-1")
    out = dsmr.parse(bytes(plain))
    assert out.ok, out
    assert out.timestamp == exp["timestamp"] and out.meter["dsmr_version"] == exp["dsmr_version"]
    assert out.meter["identification"] == exp["identification"]
    _check_readings(out, exp["obis"])


def test_the_log_history_and_gas_profile_reader_loads_only_for_a_line_shaped_so():
    # Hungary's 0-0:98.1.0 is a row of values with no OBIS code second: not the e-MUCS
    # history, so read without dsmrmore; the Dutch 1-0:99.97.0 power-failure log needs it.
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from cosem import dsmr\n"
            "for name in ('dsmr-v5-hungary-sagemcom-1.txt', 'dsmr-v5-nl-iskra-am550-1.txt'):\n"
            "    out = dsmr.parse(open(%r + '/' + name, 'rb').read())\n"
            "    assert out.ok and len(out.readings) > 20\n"
            "    print('cosem.dsmrmore' in sys.modules)\n") % (os.path.join(ROOT, "src", "lib"), CORPUS)
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, check=True).stdout
    assert out.split() == [b"False", b"True"]
