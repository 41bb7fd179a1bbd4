"""Files on CIRCUITPY: written whole (new, then rename), and a clear error when read-only."""

import errno
import os

import pytest

from cpfakes import cp  # noqa: F401  (fixture)


def board_in(cp, tmp_path):
    return cp.Board(data_dir=str(tmp_path))


def test_write_file_atomic_writes_a_new_file_then_renames_it_over_the_old(cp, tmp_path, monkeypatch):
    (tmp_path / "settings.toml").write_bytes(b"old")
    renames = []
    real_rename = os.rename

    def rename(a, b):
        renames.append((os.path.basename(a), os.path.basename(b), open(a, "rb").read()))
        real_rename(a, b)
    monkeypatch.setattr(cp.mod.os, "rename", rename)
    board_in(cp, tmp_path).write_file_atomic("settings.toml", b"new")
    assert renames == [("settings.toml.tmp", "settings.toml.new", b"new"),
                       ("settings.toml.new", "settings.toml", b"new")]
    assert (tmp_path / "settings.toml").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["settings.toml"]


def test_a_failed_write_leaves_the_old_file(cp, tmp_path, monkeypatch):
    (tmp_path / "settings.toml").write_bytes(b"old")

    class Full:
        def __init__(self, path, mode):
            self.f = open(path, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:2])
            raise OSError(errno.ENOSPC, "no space")
    monkeypatch.setattr(cp.mod, "open", Full, raising=False)
    b = board_in(cp, tmp_path)
    with pytest.raises(OSError):
        b.write_file_atomic("settings.toml", b"new content")
    monkeypatch.delattr(cp.mod, "open")
    assert b.read_file("settings.toml") == b"old"


def test_read_file_returns_none_when_missing(cp, tmp_path):
    assert board_in(cp, tmp_path).read_file("nothing.txt") is None


def test_read_file_finishes_a_rename_a_power_cut_interrupted(cp, tmp_path):
    # the cut came after FAT removed the old file and before it renamed .new
    (tmp_path / "settings.toml.new").write_bytes(b"complete")
    assert board_in(cp, tmp_path).read_file("settings.toml") == b"complete"
    assert (tmp_path / "settings.toml").read_bytes() == b"complete"
    assert not (tmp_path / "settings.toml.new").exists()


def test_read_file_prefers_a_complete_new_file_over_the_old_one(cp, tmp_path):
    # the cut came before FAT removed the old file
    (tmp_path / "settings.toml").write_bytes(b"old")
    (tmp_path / "settings.toml.new").write_bytes(b"newer")
    assert board_in(cp, tmp_path).read_file("settings.toml") == b"newer"


def test_read_file_never_trusts_a_half_written_tmp(cp, tmp_path):
    (tmp_path / "settings.toml").write_bytes(b"old")
    (tmp_path / "settings.toml.tmp").write_bytes(b"ha")
    assert board_in(cp, tmp_path).read_file("settings.toml") == b"old"


def test_remove_file_also_clears_leftovers(cp, tmp_path):
    for suffix in ("", ".new", ".tmp"):
        (tmp_path / ("log.txt" + suffix)).write_bytes(b"x")
    b = board_in(cp, tmp_path)
    b.remove_file("log.txt")
    b.remove_file("log.txt")    # removing what is gone is fine
    assert os.listdir(tmp_path) == []


class ReadOnlyUntilRemount:
    """open() for writing fails with EROFS until storage.remount has been called."""

    def __init__(self, remounts):
        self.remounts = remounts

    def __call__(self, path, mode="r"):
        if "w" in mode and not self.remounts:
            raise OSError(errno.EROFS, "Read-only filesystem")
        return open(path, mode)


def read_only(cp, tmp_path, monkeypatch):
    monkeypatch.setattr(cp.mod, "open", ReadOnlyUntilRemount(cp.x["remounts"]), raising=False)
    return board_in(cp, tmp_path)


def test_read_only_drive_is_remounted_once_when_no_computer_has_it(cp, tmp_path, monkeypatch):
    b = read_only(cp, tmp_path, monkeypatch)
    cp.x["clock"]["ms"] += 60000
    b.write_file_atomic("log.txt", b"entry")
    assert cp.x["remounts"] == [("/", False)]
    assert (tmp_path / "log.txt").read_bytes() == b"entry"


def test_read_only_drive_held_by_a_computer_fails_clearly(cp, tmp_path, monkeypatch):
    b = read_only(cp, tmp_path, monkeypatch)
    cp.x["clock"]["ms"] += 60000
    cp.fakes["supervisor"].runtime.usb_connected = True
    with pytest.raises(cp.mod.ReadOnlyStorage) as e:
        b.write_file_atomic("log.txt", b"entry")
    assert e.value.args[0] == errno.EROFS
    assert "USB" in str(e.value) and "read-only" in str(e.value)
    assert cp.x["remounts"] == []
    assert not (tmp_path / "log.txt").exists()


def test_no_remount_in_the_first_seconds_while_usb_may_still_enumerate(cp, tmp_path, monkeypatch):
    b = read_only(cp, tmp_path, monkeypatch)
    with pytest.raises(cp.mod.ReadOnlyStorage, match="too soon"):
        b.write_file_atomic("log.txt", b"entry")
    assert cp.x["remounts"] == []


def test_remount_that_circuitpython_refuses_is_reported(cp, tmp_path, monkeypatch):
    def refuse(path, readonly=False):
        raise RuntimeError("Cannot remount path when visible via USB.")
    monkeypatch.setattr(cp.fakes["storage"], "remount", refuse)
    b = read_only(cp, tmp_path, monkeypatch)
    cp.x["clock"]["ms"] += 60000
    with pytest.raises(cp.mod.ReadOnlyStorage, match="visible via USB"):
        b.write_file_atomic("log.txt", b"entry")
    with pytest.raises(cp.mod.ReadOnlyStorage, match="less than a minute ago"):
        b.write_file_atomic("log.txt", b"entry")


def test_a_refused_remount_is_tried_again_a_minute_later(cp, tmp_path, monkeypatch):
    refusals = []

    def refuse_once(path, readonly=False):
        if not refusals:
            refusals.append(path)
            raise RuntimeError("Cannot remount path when visible via USB.")
        cp.x["remounts"].append((path, readonly))
    monkeypatch.setattr(cp.fakes["storage"], "remount", refuse_once)
    b = read_only(cp, tmp_path, monkeypatch)
    cp.x["clock"]["ms"] += 60000
    with pytest.raises(cp.mod.ReadOnlyStorage):
        b.write_file_atomic("log.txt", b"entry")
    cp.x["clock"]["ms"] += 60000
    b.write_file_atomic("log.txt", b"entry")
    assert (tmp_path / "log.txt").read_bytes() == b"entry"


def test_removing_on_a_read_only_drive_remounts_too(cp, tmp_path, monkeypatch):
    (tmp_path / "settings.toml").write_bytes(b"old")
    real_remove = os.remove
    remounts = cp.x["remounts"]

    def remove(path):
        if not remounts:
            raise OSError(errno.EROFS, "Read-only filesystem")
        real_remove(path)
    monkeypatch.setattr(cp.mod.os, "remove", remove)
    b = board_in(cp, tmp_path)
    cp.x["clock"]["ms"] += 60000
    b.remove_file("settings.toml")
    assert remounts == [("/", False)] and os.listdir(tmp_path) == []


def test_other_write_errors_are_not_mistaken_for_read_only(cp, tmp_path):
    b = cp.Board(data_dir=str(tmp_path / "missing-dir"))
    with pytest.raises(OSError) as e:
        b.write_file_atomic("log.txt", b"entry")
    assert not isinstance(e.value, cp.mod.ReadOnlyStorage)
    assert cp.x["remounts"] == []


def test_write_file_over_replaces_the_bytes_in_place_without_a_rename(cp, tmp_path, monkeypatch):
    # the energy copies: same size, so the file keeps its clusters (no allocation table or
    # rename writes on FAT); a missing file or another size is written new
    renames = []
    monkeypatch.setattr(cp.mod.os, "rename", lambda a, b: renames.append((a, b)))
    modes = []

    def opener(path, mode="r"):
        modes.append(mode)
        return open(path, mode)
    monkeypatch.setattr(cp.mod, "open", opener, raising=False)
    b = board_in(cp, tmp_path)
    b.write_file_over("energy.bin", b"abcd")
    b.write_file_over("energy.bin", b"wxyz")
    assert (tmp_path / "energy.bin").read_bytes() == b"wxyz"
    b.write_file_over("energy.bin", b"12")
    assert (tmp_path / "energy.bin").read_bytes() == b"12"
    assert modes == ["wb", "r+b", "wb"]
    assert renames == [] and sorted(os.listdir(tmp_path)) == ["energy.bin"]
