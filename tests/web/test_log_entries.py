"""/log reads log.txt's blocks back (no browser): time, reason, text, format, the hex."""

from cosem.message import Failure

from emeter.web.dashboard import parse_entry


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
