"""What the application keeps loaded between loop passes: code that runs once or seldom (the
settings' table and file, the checkers, the energy file and document, /metrics, the MQTT
client's making, discovery) is loaded for its job and let go, since
a board's heap holds every module it has imported until it is forgotten."""

import sys

from emeter.lazy import forget
from emeter.store.settings import Settings

from apphelp import free_port, replay_board, wait_for

SELDOM = ("emeter.store.settingsfile", "emeter.store.tomlfile", "emeter.store.fieldcheck",
          "emeter.store.feedfields", "emeter.store.changes", "emeter.textcheck",
          "emeter.store.energymore", "emeter.store.energyjson", "emeter.net.ntpwire",
          "emeter.feeds.metrics", "emeter.feeds.obismap", "emeter.feeds.hadiscovery",
          "emeter.feeds.mqttclient")


def test_seldom_used_code_is_not_kept_after_boot_a_telegram_and_the_pages(tmp_path, run_app):
    for name in SELDOM:  # as on a board just started: none of it loaded
        forget(name)
    board = replay_board(tmp_path, "dsmr-v5-nl-iskra-mt382-1.txt", speed=20.0)
    # MQTT on, to a port nobody listens on: the client is made, the connection fails
    Settings({"mqtt_enabled": 1, "mqtt_host": "127.0.0.1", "mqtt_port": free_port()}).save(board)
    r = run_app(board)
    assert wait_for(lambda: r.app.state.frames_ok >= 2 and r.app.feeds.mqtt.failures >= 1)
    # (not "/": host mode builds the page script from its sources on the first one, which a
    # board, with the bundle's prebuilt files, never does)
    for path in ("/energy.json", "/metrics", "/data.json"):
        assert r.get(path)[0] == 200, path
    r.stopping = True  # between two loop passes, not in the middle of one
    r.thread.join(10)
    loaded = [name for name in SELDOM if name in sys.modules]
    assert loaded == [], loaded


def test_the_status_pages_rows_are_not_part_of_the_resident_app():
    from emeter.app import App
    for method in (App.status_rows, App.counter_rows, App.setup_note):
        assert not [c for c in method.__code__.co_consts if isinstance(c, str) and " " in c]
