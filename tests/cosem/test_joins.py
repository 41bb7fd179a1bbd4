"""Multi-frame messages under loss: a join only combines parts of one message.

Real corpus messages are cut into 2-4 parts again (HDLC segments with valid HCS/FCS,
M-Bus segments, general block transfer blocks), parts are lost, repeated or reordered
the way a UART overrun or a loose wire does it, and the line goes quiet between two
messages (the reader calls Decoder.idle()). Whatever comes out must be a message exactly
as the meter sent it, never one with values from two messages, and the next intact
message must decode."""

import itertools
import json

from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

import axdr_encode as enc
import corpus
from cosem import Decoder, decode, hdlc, mbus, meterside

LLC = b"\xe6\xe7\x00"
DST, SRC = b"\x41", b"\x08\x83"  # one meter: every message from the same addresses


def _content(msg):
    """What a reader publishes from a message (not the link-layer fields)."""
    return json.dumps([msg.timestamp, [(r.obis, str(r.value), r.unit) for r in msg.readings], msg.unmapped])


def _sources():
    """Single-frame HDLC captures that decode to readings: (APDU, content), distinct contents."""
    out = []
    seen = set()
    for name in corpus.names("hdlc-"):
        exp = json.loads(corpus.expected_text(name))
        if "error" in exp or "key" in exp or not exp.get("obis"):
            continue
        data = corpus.capture(name)
        st_, end, frame = hdlc.parse_at(data, 0, len(data))
        if st_ != hdlc.FRAME or frame.segmented or end != len(data) - 1 or frame.info[:3] != LLC:
            continue
        msgs = [i for i in decode(data) if i.ok]
        if len(msgs) != 1 or not msgs[0].readings:
            continue
        c = _content(msgs[0])
        if c not in seen:
            seen.add(c)
            out.append((frame.info[3:], c))
    return out


SOURCES = _sources()


def _cut(data, n):
    size = (len(data) + n - 1) // n
    return [data[i:i + size] for i in range(0, len(data), size)]


def _hdlc_parts(apdu, n, numbered=False, first_ns=0):
    chunks = _cut(LLC + apdu, n)
    out = []
    for i, c in enumerate(chunks):
        control = 0x13 if not numbered else 0x10 | (((first_ns + i) & 7) << 1)
        out.append(meterside.hdlc_frame(c, DST, SRC, control, segmented=i < len(chunks) - 1))
    return out


def _mbus_parts(apdu, n):
    chunks = _cut(apdu, max(n, (len(apdu) + 239) // 240))  # a long frame carries at most 250 bytes
    return [mbus.build(c, ci=i | (0x10 if i == len(chunks) - 1 else 0)) for i, c in enumerate(chunks)]


def _gbt(number, last, data):
    return bytes([0xE0, 0x80 if last else 0x40]) + number.to_bytes(2, "big") + b"\x00\x00" + enc.length(len(data)) \
        + data


def _gbt_parts(apdu, n):
    chunks = _cut(apdu, n)
    return [meterside.hdlc_frame((LLC if i == 0 else b"") + _gbt(i + 1, i == len(chunks) - 1, c), DST, SRC)
            for i, c in enumerate(chunks)]


def _run(groups, quiet=True):
    """Feed each group of frames, the line going quiet after each -> decoded items."""
    d = Decoder()
    out = []
    for g in groups:
        for frame in g:
            out.extend(d.feed(frame))
        if quiet:
            out.extend(d.idle())
    out.extend(d.flush())
    return out


def _check(items, contents, last):
    """No message other than one of contents, exactly; the last one decoded."""
    got = [_content(i) for i in items if i.ok]
    for c in got:
        assert c in contents, "a message that no meter sent: %s" % c[:200]
    assert got and got[-1] == last, "the intact message after the losses did not decode"
    for i in items:
        if not i.ok:
            assert i.reason and i.text


def test_corpus_has_enough_distinct_messages():
    assert len(SOURCES) >= 20


def test_lost_segments_never_join_two_messages():
    """Every subset of the segments of two messages lost, then an intact third one."""
    scenarios = 0
    for k in range(0, len(SOURCES) - 2, 3):
        (a, ca), (b, cb), (c, cc) = SOURCES[k:k + 3]
        for na, nb in ((2, 2), (3, 3), (2, 4), (4, 3)):
            pa, pb = _hdlc_parts(a, na), _hdlc_parts(b, nb)
            for keep in itertools.product((0, 1), repeat=na + nb):
                ga = [f for f, x in zip(pa, keep[:na]) if x]
                gb = [f for f, x in zip(pb, keep[na:]) if x]
                _check(_run([ga, gb, _hdlc_parts(c, 3)]), (ca, cb, cc), cc)
                scenarios += 1
    assert scenarios > 1000


def test_numbered_segments_never_join_two_messages_even_without_a_quiet_line():
    """I-frames count their send number N(S): a gap shows even when no idle() is called."""
    for k in range(0, len(SOURCES) - 2, 3):
        (a, ca), (b, cb), (c, cc) = SOURCES[k:k + 3]
        pa, pb, pc = _hdlc_parts(a, 3, True, 0), _hdlc_parts(b, 3, True, 3), _hdlc_parts(c, 3, True, 6)
        for keep in itertools.product((0, 1), repeat=6):
            ga = [f for f, x in zip(pa, keep[:3]) if x]
            gb = [f for f, x in zip(pb, keep[3:]) if x]
            _check(_run([ga, gb, pc], quiet=False), (ca, cb, cc), cc)


def test_lost_last_segment_does_not_lose_the_next_message():
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    pa, pb = _hdlc_parts(a, 3), _hdlc_parts(b, 3)
    items = _run([pa[:2] + pb], quiet=False)
    assert [_content(i) for i in items if i.ok] == [cb]
    assert [i.reason for i in items if not i.ok] == ["incomplete"]


def test_a_whole_frame_ends_an_open_join():
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    whole = meterside.hdlc_frame(LLC + b, DST, SRC)
    items = _run([_hdlc_parts(a, 3)[:2] + [whole]], quiet=False)
    assert [_content(i) for i in items if i.ok] == [cb]
    assert [i.reason for i in items if not i.ok] == ["incomplete"]


def test_a_damaged_or_cut_segment_ends_the_join_without_the_quiet_line():
    """A UART overrun leaves a frame that fails its checks, or its tail as stray bytes: the
    segments around it must not be joined as if nothing was missing."""
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    pa = _hdlc_parts(a, 3)
    damaged = bytearray(pa[1])
    damaged[len(damaged) // 2] ^= 0x10
    tail = pa[1][len(pa[1]) // 2:]
    for middle in (bytes(damaged), tail, pa[1][:len(pa[1]) // 2]):
        items = _run([[pa[0], middle, pa[2]], _hdlc_parts(b, 2)], quiet=False)
        assert [_content(i) for i in items if i.ok] == [cb]
        fails = [i for i in items if not i.ok]
        assert "incomplete" in [i.reason for i in fails]
        # the join ended at the damage: the segment after it was never joined to the one before
        assert not [i for i in fails if pa[0] in i.raw and pa[2] in i.raw]


def test_segment_without_its_first_is_not_decoded():
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    items = _run([_hdlc_parts(a, 3)[1:], _hdlc_parts(b, 2)])
    assert [_content(i) for i in items if i.ok] == [cb]
    # the middle segment: incomplete; the last one, alone, is no APDU this decoder reads
    assert [i.reason for i in items if not i.ok] == ["incomplete", "apdu"]


def test_idle_reports_an_open_join_as_incomplete():
    d = Decoder()
    assert d.feed(_hdlc_parts(SOURCES[0][0], 3)[0]) == []
    items = d.idle()
    assert [i.reason for i in items] == ["incomplete"] and items[0].format == "hdlc"
    assert d.idle() == [] and d.flush() == []


def test_idle_reports_a_frame_cut_short_and_the_next_frame_decodes():
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    fa, fb = meterside.hdlc_frame(LLC + a, DST, SRC), meterside.hdlc_frame(LLC + b, DST, SRC)
    d = Decoder()
    items = d.feed(fa[:len(fa) // 2]) + d.idle() + d.feed(fb) + d.flush()
    assert [i.reason for i in items if not i.ok] == ["truncated"]
    assert [_content(i) for i in items if i.ok] == [cb]


def test_idle_keeps_a_telegram_that_pauses_between_lines():
    data = corpus.capture("dsmr-v5-nl-iskra-mt382-1.txt")
    assert [i.ok for i in decode(data)] == [True]
    d = Decoder()
    cut = data.index(b"\n") + 1
    items = d.feed(data[:cut]) + d.idle() + d.feed(data[cut:]) + d.flush()
    assert [i.ok for i in items] == [True]


def test_mbus_and_block_transfer_joins_end_at_a_quiet_line():
    (a, ca), (b, cb) = SOURCES[0], SOURCES[1]
    for parts in (_mbus_parts, _gbt_parts):
        # message A loses its later parts, B its first ones: in sequence numbers they fit
        pa, pb = parts(a, 4), parts(b, 4)
        items = _run([pa[:2], pb[2:], parts(b, 4)])
        assert [_content(i) for i in items if i.ok] == [cb], parts.__name__


# --- property: random loss, repetition and reordering, every transport --------------------------

_TRANSPORTS = ("hdlc", "hdlc-numbered", "mbus", "gbt")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_TRANSPORTS), st.lists(st.integers(0, len(SOURCES) - 1), min_size=1, max_size=4),
       st.data(), st.booleans())
def test_random_loss_repetition_and_reordering_never_mixes_messages(transport, picks, data, quiet):
    """With a quiet line between messages (or, for numbered I-frames, even without one)."""
    quiet = quiet or transport != "hdlc-numbered"
    sent = [0]  # I-frames: the send number runs on from message to message

    def make(apdu, n):
        if transport == "hdlc":
            return _hdlc_parts(apdu, n)
        if transport == "hdlc-numbered":
            sent[0] += n
            return _hdlc_parts(apdu, n, True, sent[0] - n)
        return _mbus_parts(apdu, n) if transport == "mbus" else _gbt_parts(apdu, n)

    groups = []
    contents = set()
    for k in picks:
        apdu, content = SOURCES[k]
        contents.add(content)
        parts = make(apdu, data.draw(st.integers(2, 4)))
        order = data.draw(st.lists(st.integers(0, len(parts) - 1), max_size=len(parts) + 2))
        groups.append([parts[i] for i in order])
    apdu, last = SOURCES[data.draw(st.integers(0, len(SOURCES) - 1))]
    contents.add(last)
    groups.append(make(apdu, 3))
    _check(_run(groups, quiet), contents, last)
