"""Keys from the settings reach the decoder; missing or wrong keys are counted, not fatal."""

from emeter.store.settings import Settings

from apphelp import expected, replay_board, wait_for

CAPTURE = "hdlc-landisgyr-e450-at-enc-1.hex"


def _run(tmp_path, run_app, **keys):
    board = replay_board(tmp_path, CAPTURE, speed=20.0)
    Settings(keys).save(board)
    return run_app(board)


def test_configured_keys_decrypt_the_meter(tmp_path, run_app):
    exp = expected(CAPTURE.replace(".hex", ".expected.json"))
    r = _run(tmp_path, run_app, key=exp["key"], auth_key=exp["auth_key"])
    assert wait_for(lambda: r.app.state.frames_ok >= 1)
    doc = r.json()
    assert doc["readings"]["1-0:32.7.0"]["value"] == exp["obis"]["1-0:32.7.0"]["value"]
    assert doc["device"]["counters"]["decrypt_failures"] == 0


def test_without_a_key_frames_are_counted_and_logged_as_no_key(tmp_path, run_app):
    r = _run(tmp_path, run_app)
    assert wait_for(lambda: r.app.state.decrypt_failures >= 1)
    doc = r.json()
    assert doc["readings"] == {}
    assert doc["device"]["counters"]["rejected"]["no-key"] >= 1
    assert b"no-key" in r.get("/log.txt")[2]


def test_a_wrong_key_is_counted_as_a_decryption_failure(tmp_path, run_app):
    exp = expected(CAPTURE.replace(".hex", ".expected.json"))
    r = _run(tmp_path, run_app, key="00" * 16, auth_key=exp["auth_key"])
    assert wait_for(lambda: r.app.state.decrypt_failures >= 1)
    assert r.app.state.frames_ok == 0
    reasons = set(r.app.state.rejected)
    assert reasons & {"decrypt", "auth"}, reasons
