"""/log reads log.txt's blocks back (no browser): time, reason, text, format, the hex."""

from cosem.message import Failure

from emeter.web.logpage import parse_entry


def test_a_block_gives_back_what_the_failure_said():
    raw = bytes(range(40))
    e = parse_entry(Failure("hdlc", "fcs", "frame check sequence wrong (FCS 92ca)", raw)
                    .log_entry("2026-01-01T00:00:00Z").encode())
    assert (e["when"], e["reason"], e["format"]) == ("2026-01-01T00:00:00Z", "fcs", "hdlc")
    assert e["text"] == "frame check sequence wrong (FCS 92ca)"
    assert bytes.fromhex(e["hex"].replace("\n", "")) == raw


def test_a_block_written_before_the_clock_was_set_has_no_time():
    e = parse_entry(Failure("dsmr", "crc", "checksum 1234 != 5678", b"/X\r\n!").log_entry("+12s")
                    .encode())
    assert (e["when"], e["reason"], e["text"]) == ("+12s", "crc", "checksum 1234 != 5678")
    e = parse_entry(Failure("dsmr", "crc", "bad", b"ab").log_entry().encode())
    assert e["when"] is None and e["reason"] == "crc"


def test_a_cut_block_keeps_its_hex_and_garbage_is_skipped():
    block = Failure("mbus", "length", "too long", bytes(100)).log_entry("t").encode()
    cut = block[:block.index(b"\n") + 33] + b"\n... (cut)\n--- End ---\n"
    assert parse_entry(cut)["hex"] == "00" * 16
    assert parse_entry(b"no start line\n") is None
    assert parse_entry(b"--- Start --- \xff\xfe") is None


def test_the_last_failure_takes_its_time_from_the_newest_block_of_the_same_reason():
    from emeter.web.dashboard import last_failure

    class Log:
        entries = [Failure("hdlc", "fcs", "old", bytes(10)).log_entry("2026-01-01T00:00:00Z").encode(),
                   bytearray(Failure("hdlc", "hcs", "bad header", bytes(range(200)))
                             .log_entry("2026-01-02T03:04:05Z").encode())]

    class State:
        last_failure = ("hcs", "bad header")

    class App:
        state = State()
        log = Log()

    f = last_failure(App())
    assert (f["reason"], f["when"], f["what"]) == ("hcs", "2026-01-02T03:04:05Z", "hcs: bad header")
    State.last_failure = ("fcs", "x")  # the newest block is another reason's: no time
    assert last_failure(App())["when"] is None
