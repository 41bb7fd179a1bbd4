"""build.py deploy: to a folder standing in for the CIRCUITPY drive, and over a fake web workflow."""

import os
import socket

import pytest

from tools import deploy

from fake_webworkflow import FakeBoard


def make_bundle(root, files):
    for rel, data in files.items():
        p = os.path.join(root, *rel.split("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return root


BUNDLE = {
    "code.py": b"import emeter.app\n",
    "settings.toml": b'EMETER_HOSTNAME = "emeter"\n',
    "lib/cosem/crc.mpy": b"C\x06\x00\x1fcrc",
    "lib/cosem/number.mpy": b"C\x06\x00\x1fnumber",
    "lib/emeter/app.py": b"def run(board):\n    pass\n",
    "lib/adafruit_ticks.mpy": b"C\x06\x00\x1fticks",
}


@pytest.fixture
def bundle_dir(tmp_path):
    return make_bundle(str(tmp_path / "bundle"), BUNDLE)


@pytest.fixture
def drive(tmp_path):
    d = tmp_path / "CIRCUITPY"
    d.mkdir()
    (d / "boot_out.txt").write_text("Adafruit CircuitPython 10.0.0 on 2025-01-01; ESP32-S3\n")
    return str(d)


def _read(p):
    with open(p, "rb") as f:
        return f.read()


# --- drive -----------------------------------------------------------------------

def test_first_deploy_copies_every_file_and_code_py_last(bundle_dir, drive):
    written = deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None)
    assert sorted(written) == sorted(BUNDLE)
    assert written[-1] == "code.py"
    for rel, data in BUNDLE.items():
        assert _read(os.path.join(drive, *rel.split("/"))) == data
    leftovers = [f for _, _, fs in os.walk(drive) for f in fs if f.endswith(deploy.TMP_SUFFIX)]
    assert leftovers == []


def test_unchanged_files_are_not_rewritten(bundle_dir, drive):
    deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None)
    crc = os.path.join(drive, "lib", "cosem", "crc.mpy")
    os.utime(crc, (1000000000, 1000000000))
    with open(os.path.join(bundle_dir, "lib", "cosem", "number.mpy"), "wb") as f:
        f.write(b"C\x06\x00\x1fnumber v2")
    written = deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None)
    assert written == ["lib/cosem/number.mpy"]
    assert os.stat(crc).st_mtime == 1000000000
    assert _read(os.path.join(drive, "lib", "cosem", "number.mpy")) == b"C\x06\x00\x1fnumber v2"
    assert deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None) == []


def test_the_boards_own_settings_toml_is_kept(bundle_dir, drive):
    mine = b'CIRCUITPY_WIFI_SSID = "home"\nEMETER_KEY = "00112233445566778899aabbccddeeff"\n'
    with open(os.path.join(drive, "settings.toml"), "wb") as f:
        f.write(mine)
    written = deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None)
    assert "settings.toml" not in written
    assert _read(os.path.join(drive, "settings.toml")) == mine


def test_a_stale_py_twin_of_a_shipped_mpy_is_removed(bundle_dir, drive):
    os.makedirs(os.path.join(drive, "lib", "cosem"))
    stale = os.path.join(drive, "lib", "cosem", "crc.py")
    with open(stale, "wb") as f:
        f.write(b"old = 1\n")
    deploy.deploy_drive(bundle_dir, drive, log=lambda *a: None)
    assert not os.path.exists(stale)  # the VM would import crc.py before crc.mpy
    assert os.path.exists(os.path.join(drive, "lib", "cosem", "crc.mpy"))


def test_a_folder_without_boot_out_txt_is_not_taken_for_a_board(bundle_dir, tmp_path):
    other = tmp_path / "photos"
    other.mkdir()
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_drive(bundle_dir, str(other), log=lambda *a: None)
    assert "boot_out.txt" in str(e.value)
    assert os.listdir(str(other)) == []


def test_a_micropython_bundle_is_refused_for_a_circuitpython_board(tmp_path, drive):
    b = make_bundle(str(tmp_path / "mp"), {"code.py": b"x", "lib/cosem/crc.mpy": b"M\x06\x00\x1f"})
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_drive(b, drive, log=lambda *a: None)
    assert "--target circuitpython" in str(e.value)
    assert sorted(os.listdir(drive)) == ["boot_out.txt"]


def test_deploy_without_a_bundle_says_to_build_first(tmp_path, drive):
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_drive(str(tmp_path / "nothing"), drive, log=lambda *a: None)
    assert "build.py build" in str(e.value)


# --- over the network -------------------------------------------------------------

@pytest.fixture
def board():
    b = FakeBoard(password="s3cret")
    b.url = b.start()
    yield b
    b.stop()


def quiet(*a):
    pass


def test_ota_uploads_everything_under_temporary_names_then_moves_code_py_last(bundle_dir, board):
    replaced = deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    assert sorted(replaced) == sorted(BUNDLE)
    assert board.files == BUNDLE
    muts = board.mutations()
    puts = [p for m, p, _ in muts if m == "PUT" and not p.endswith("/")]
    assert puts and all(p.endswith(deploy.TMP_SUFFIX) for p in puts)
    moves = [(p, h["X-Destination"]) for m, p, h in muts if m == "MOVE"]
    assert moves[-1] == ("/fs/code.py" + deploy.TMP_SUFFIX, "/fs/code.py")
    first_move = [i for i, (m, _, _) in enumerate(muts) if m == "MOVE"][0]
    last_put = max(i for i, (m, p, _) in enumerate(muts) if m == "PUT")
    assert last_put < first_move  # every byte is on the board before anything is replaced
    assert [m for m, _, _ in muts][-2:] == ["DELETE", "MOVE"]


def test_ota_sends_basic_auth_with_an_empty_user(bundle_dir, board):
    deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    fs_requests = [h for m, p, h, _ in board.requests if p.startswith("/fs/")]
    assert fs_requests
    assert {h.get("Authorization") for h in fs_requests} == {"Basic OnMzY3JldA=="}  # base64(":s3cret")


def test_ota_creates_folders_before_files_go_in_them(bundle_dir, board):
    deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    dirs = [p for m, p, _ in board.mutations() if m == "PUT" and p.endswith("/")]
    assert dirs.index("/fs/lib/") < dirs.index("/fs/lib/cosem/")
    assert "/fs/lib/emeter/" in dirs


def test_ota_wrong_password_is_a_clear_error_and_writes_nothing(bundle_dir, board):
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_ota(bundle_dir, board.url, "guess", log=quiet)
    assert "401" in str(e.value) and "password" in str(e.value)
    assert board.mutations() == []
    assert board.files == {}


def test_ota_board_without_api_password_is_explained(bundle_dir, board):
    board.password = ""
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    assert "CIRCUITPY_WEB_API_PASSWORD" in str(e.value)
    assert board.mutations() == []


def test_ota_drive_held_by_usb_stops_before_replacing_anything(bundle_dir, board):
    board.usb_active = True
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    assert "USB" in str(e.value)
    assert board.files == {}


def test_ota_unreachable_board_is_a_clear_error(bundle_dir):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(deploy.DeployError) as e:
        deploy.deploy_ota(bundle_dir, "http://127.0.0.1:%d" % port, "s3cret", log=quiet)
    assert "cannot reach" in str(e.value)


def test_ota_sends_only_what_changed_and_keeps_the_boards_settings(bundle_dir, board):
    board.files = {"settings.toml": b'CIRCUITPY_WIFI_SSID = "home"\n', "lib/cosem/crc.py": b"old\n"}
    board.dirs |= {"lib", "lib/cosem"}
    deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet)
    assert board.files["settings.toml"] == b'CIRCUITPY_WIFI_SSID = "home"\n'
    assert "lib/cosem/crc.py" not in board.files  # stale twin of crc.mpy removed
    board.requests.clear()
    assert deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet) == []
    assert board.mutations() == []
    with open(os.path.join(bundle_dir, "lib", "adafruit_ticks.mpy"), "wb") as f:
        f.write(b"C\x06\x00\x1fticks v2")
    assert deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=quiet) == ["lib/adafruit_ticks.mpy"]
    assert board.files["lib/adafruit_ticks.mpy"] == b"C\x06\x00\x1fticks v2"


def test_ota_shows_progress(bundle_dir, board):
    lines = []
    deploy.deploy_ota(bundle_dir, board.url, "s3cret", log=lines.append)
    progress = [l for l in lines if l.startswith("[")]
    assert len(progress) == len(BUNDLE)
    assert progress[-1].endswith("100%)")


def test_deploy_command_with_wrong_password_exits_1_and_says_why(bundle_dir, board, capsys):
    rc = deploy.main(["--ota", board.url, "--password", "nope", "--bundle", bundle_dir])
    assert rc == 1
    assert "wrong password" in capsys.readouterr().err
    assert board.mutations() == []
