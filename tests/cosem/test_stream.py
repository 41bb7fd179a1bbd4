"""The stream decoder under real conditions: any chunking, noise around frames,
damaged frames, endless garbage."""

import json
import random

from hypothesis import example, given, settings, HealthCheck
from hypothesis import strategies as st

import corpus
from cosem import Decoder, decode
from cosem.stream import MAX_BUFFER, NOISE_KEEP


def _expected(name):
    return json.loads(corpus.expected_text(name))


def _good(prefixes):
    out = []
    for n in corpus.names():
        exp = _expected(n)
        if n.startswith(prefixes) and "error" not in exp and "key" not in exp and exp.get("obis"):
            out.append(n)
    return out


HDLC = _good(("hdlc-",))
DSMR = _good(("dsmr-",))
MBUS_KEYED = [n for n in corpus.names() if n.startswith("mbus-") and "key" in _expected(n) and "error" not in _expected(n)]


def _messages(items):
    return [i.to_json() for i in items if i.ok]


def _feed_in_chunks(data, sizes, key=None):
    d = Decoder(key)
    out = []
    i = 0
    k = 0
    while i < len(data):
        n = sizes[k % len(sizes)]
        out.extend(d.feed(data[i:i + n]))
        i += n
        k += 1
    out.extend(d.flush())
    return out


def test_a_stream_of_every_hdlc_capture_gives_one_message_each():
    stream = b"".join(corpus.capture(n) for n in HDLC)
    items = decode(stream)
    assert len(_messages(items)) == len(HDLC)
    assert not [i for i in items if not i.ok]


def test_any_chunking_gives_the_same_messages_as_one_chunk():
    rnd = random.Random(7)
    for names in (HDLC, DSMR):
        stream = b"".join(corpus.capture(n) for n in names)
        whole = decode(stream)
        for sizes in ([1], [2, 3], [7], [64], [4096], [rnd.randint(1, 300) for _ in range(50)]):
            assert [i.to_json() for i in _feed_in_chunks(stream, sizes)] == [i.to_json() for i in whole]


def test_mbus_segments_split_across_reads_are_joined():
    for n in MBUS_KEYED:
        data = corpus.capture(n)
        key = bytes.fromhex(_expected(n)["key"])
        whole = _messages(decode(data, key))
        assert len(whole) == 1
        assert _messages(_feed_in_chunks(data, [1], key)) == whole
        assert _messages(_feed_in_chunks(data, [13, 250], key)) == whole


def test_reader_joining_mid_frame_recovers_at_the_next_frame():
    a, b = corpus.capture(HDLC[0]), corpus.capture(HDLC[1])
    items = decode(a[len(a) // 2:] + b)
    assert _messages(items) == _messages(decode(b))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(min_size=0, max_size=300), min_size=3, max_size=3), st.integers(0, 2 ** 32))
# DB 08 between two telegrams (seed 0 picks DSMR), 0F .. 0C before two HDLC frames (seed 1):
# junk that reads as the start of an unframed APDU whose claimed length runs into the next frame
@example([b"", b"\xdb\x08", b""], 0)
@example([b"\x0f\x00\x00\x00\x00\x0c", b"", b""], 1)
def test_garbage_before_between_and_after_frames_changes_no_message(junk, seed):
    rnd = random.Random(seed)
    names = rnd.sample(HDLC, 2) if rnd.random() < 0.5 else rnd.sample(DSMR, 2)
    frames = [corpus.capture(n) for n in names]
    clean = _messages(decode(b"".join(frames)))
    noisy = junk[0] + frames[0] + junk[1] + frames[1] + junk[2]
    assert _messages(decode(noisy)) == clean


def test_a_slash_and_letters_before_a_telegram_are_noise_not_its_identification():
    # junk like an identification start ('/' + three letters) just before the real '/':
    # with a CRC the telegram was lost, without one its identification line was wrong
    checked = 0
    for name in DSMR:
        data = corpus.capture(name)
        clean = _messages(decode(data))
        if not clean:
            continue
        checked += 1
        # a first line like '/NWA-WARMTELINK' (no baud digit) is not told from noise: such a
        # telegram may be missed after junk, but never decoded wrong
        standard = data[4:5].isdigit()
        for junk in (b"/abc", b"/ab/x", b"/KFM5"):
            for got in (decode(junk + data), _feed_in_chunks(junk + data, [3, 64])):
                got = _messages(got)
                if standard:
                    assert got == clean, (name, junk)
                else:
                    assert all(m in clean for m in got), (name, junk)
    assert checked > 20


def test_a_slash_inside_the_meter_type_text_keeps_the_telegram():
    from cosem.crc import crc16_arc
    for ident in (b"/ISK5\\2M550T</b>", b"/ABC5 a/b", b"/XYZ5/abc"):
        body = ident + b"\r\n\r\n1-0:1.7.0(00.250*kW)\r\n!"
        data = body + b"%04X\r\n" % crc16_arc(body)
        got = [m for m in decode(data) if m.ok]
        assert len(got) == 1 and got[0].meter["identification"] == ident.decode(), ident


# bytes that read as the start of an unframed APDU: ciphered (DB, system title length 08), with
# an LLC header, and a data-notification whose date-time is absent (00) or present (0C)
_APDU_LOOKALIKES = (b"\xdb\x08", b"\xe6\xe7\x00\xdb\x08", b"\x0f\x00\x00\x00\x00\x00",
                    b"\x0f\x00\x00\x00\x00\x0c")


def test_junk_like_an_unframed_apdu_start_does_not_swallow_the_frames_after_it():
    # (not llc- / apdu-: after junk the scan trusts no unframed APDU, by design)
    names = [n for n in corpus.names() if n.startswith(("dsmr-", "hdlc-", "mbus-")) and "error" not in _expected(n)]
    checked = 0
    for name in names:
        data = corpus.capture(name)
        key = _expected(name).get("key")
        key = bytes.fromhex(key) if key else None
        clean = _messages(decode(data + data, key))
        if len(clean) != 2:
            continue
        checked += 1
        for junk in _APDU_LOOKALIKES:
            noisy = junk + data + junk + data
            # (six junk bytes and what follows may make a reading-less message of their own:
            # unframed APDUs carry no check; what must not happen is a frame lost)
            for got in (decode(noisy, key), _feed_in_chunks(noisy, [7, 64], key)):
                got = _messages(got)
                assert [m for m in got if m in clean] == clean, (name, junk.hex())
    assert checked > 60


def test_a_ciphered_apdu_that_decodes_keeps_its_bytes():
    # an unframed encrypted DSMR telegram (DB 08 ...) with junk around it still decodes whole
    name = "dsmrgcm-sagemcom-t210dr-at-steiermark-1.hex"
    data = corpus.capture(name)
    key = bytes.fromhex(_expected(name)["key"])
    clean = _messages(decode(data, key))
    assert len(clean) == 1
    assert _messages(decode(data + b"\r\n" + data, key)) == clean * 2
    assert _messages(_feed_in_chunks(data + data, [5, 100], key)) == clean * 2


def _flips(data, count, rnd):
    bits = len(data) * 8
    picks = range(bits) if bits <= count else rnd.sample(range(bits), count)
    for bit in picks:
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        yield bytes(damaged)


def test_one_flipped_bit_in_any_checked_frame_gives_no_wrong_reading():
    rnd = random.Random(3)
    checked = HDLC + [n for n in DSMR if _expected(n).get("crc", {}).get("crc_present")]
    assert len(checked) > 50
    for name in checked:
        data = corpus.capture(name)
        good = _messages(decode(data))
        assert len(good) == 1
        for damaged in _flips(data, 120, rnd):
            for m in _messages(decode(damaged)):
                assert m == good[0], name  # a message that survives is one the flip did not touch


def test_one_flipped_bit_in_an_mbus_message_gives_no_wrong_reading():
    for name in MBUS_KEYED:
        data = corpus.capture(name)
        key = bytes.fromhex(_expected(name)["key"])
        good = _messages(decode(data, key))
        assert len(good) == 1
        for damaged in _flips(data, 400, random.Random(5)):
            for m in _messages(decode(damaged, key)):
                assert m == good[0], name


def test_endless_garbage_keeps_memory_bounded():
    rnd = random.Random(11)
    d = Decoder()
    failures = 0
    for _ in range(300):
        chunk = bytes(rnd.getrandbits(8) for _ in range(512))
        for item in d.feed(chunk):
            assert not item.ok
            failures += 1
            assert len(item.raw) <= MAX_BUFFER + 16
        assert len(d.buf) <= MAX_BUFFER + 16
        assert len(d._noise) <= NOISE_KEEP
    assert failures > 0  # the noise was reported, not swallowed


def test_frame_start_bytes_without_a_frame_do_not_grow_the_buffer():
    d = Decoder()
    for _ in range(100):
        d.feed(b"/ABC" + b"x" * 200)  # looks like a telegram that never ends
        assert len(d.buf) <= MAX_BUFFER + 16


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    d = Decoder(b"\x00" * 16, b"\x01" * 16)
    for item in d.feed(data) + d.flush():
        assert item.ok in (True, False)
        json.loads(item.to_json())


ALL_BINARY = [n for n in corpus.names() if n.endswith(".hex")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_BINARY), st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=8),
       st.integers(0, 64), st.integers(0, 64))
def test_mutated_real_frames_never_raise(name, edits, cut_head, cut_tail):
    data = bytearray(corpus.capture(name))
    for pos, value in edits:
        data[pos % len(data)] = value
    data = data[cut_head:len(data) - cut_tail]
    exp = _expected(name)
    key = bytes.fromhex(exp["key"]) if "key" in exp else None
    for item in decode(bytes(data), key):
        json.loads(item.to_json())
        if not item.ok:
            assert item.reason and item.text


def test_failure_log_entry_reads_back_through_the_cli_parser():
    from host.capture import segments
    bad = corpus.capture("hdlc-aidon-6534-list3-badfcs-1.hex")
    fail = [i for i in decode(bad) if not i.ok][0]
    entry = fail.log_entry("2026-01-01T00:00:00Z")
    assert entry.startswith("--- Start --- 2026-01-01T00:00:00Z fcs:") and entry.endswith("--- End ---\n")
    assert segments(entry.encode()) == [bad]


def _with_crc(body):
    from cosem.crc import crc16_arc
    return body + b"%04X\r\n" % crc16_arc(body)


DSMR_CRC = [n for n in DSMR if _expected(n).get("crc", {}).get("crc_present")]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DSMR_CRC), st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)),
                                           min_size=1, max_size=6))
def test_mutated_telegrams_with_a_valid_crc_never_raise(name, edits):
    """A CRC that matches does not make the text sane: the parser must still cope."""
    data = corpus.capture(name)
    body = bytearray(data[:data.index(b"!") + 1])
    for pos, value in edits:
        i = 1 + pos % (len(body) - 2)  # keep the '/' and the '!'
        body[i] = value
    for item in decode(_with_crc(bytes(body))):
        json.loads(item.to_json())
        if not item.ok:
            assert item.reason and item.text


def test_non_ascii_digits_in_a_telegram_are_not_numbers():
    for bad in ("1-0:1.8.\u00b3(000001.000*kWh)", "1-0:1.8.0(0000\u00b2.000*kWh)", "0-0:1.0.0(1611\u00b33205757W)"):
        body = ("/ISK5\\2M550T-1012\r\n\r\n%s\r\n!" % bad).encode("latin-1")
        items = decode(_with_crc(body))
        for item in items:
            json.loads(item.to_json())
            if item.ok:
                for r in item.readings:
                    assert not isinstance(r.value, (int, float)) or r.obis != "1-0:1.8.0"


def test_a_long_noise_run_reports_its_count_and_what_was_kept_alike():
    # a capture at the wrong parity: stray binary bytes; the text and "length" must not disagree
    noise = bytes(0x80 + i % 0x50 for i in range(NOISE_KEEP + 5))  # no flag, idle or text byte
    f = [x for x in decode(noise) if not x.ok]
    assert len(f) == 1 and f[0].reason == "format"
    doc = json.loads(f[0].to_json())
    assert doc["length"] == NOISE_KEEP == len(f[0].raw)
    assert doc["error"].startswith("%d binary bytes" % (NOISE_KEEP + 5))
    assert "the first %d kept" % NOISE_KEEP in doc["error"]
    short = json.loads([x for x in decode(noise[:20]) if not x.ok][0].to_json())
    assert short["length"] == 20 and short["error"].startswith("20 binary bytes that belong to no frame (")
