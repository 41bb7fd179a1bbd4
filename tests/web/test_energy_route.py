"""/energy.json in the running application: fed by every message, shaped by the settings,
sent in chunks, and nothing of it in /data.json."""

import json
import os
import sys

from apphelp import wait_for
from host.board import HostBoard
from host import capture

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "store"))
from energyhelp import DSMR_ROWS, dsmr_bytes  # noqa: E402

from emeter.store.settings import Settings  # noqa: E402


def _board(tmp_path, rows):
    data = dsmr_bytes(rows)
    return HostBoard(str(tmp_path), replay=data, speed=4, wire=capture.wire_settings("telegram", data))


def test_energy_json_follows_the_settings_and_data_json_stays_lean(tmp_path, run_app):
    (tmp_path / "settings.toml").write_text('EMETER_TIMEZONE = "UTC"\nEMETER_PEAKS = 5\nEMETER_RAW = 0\n')
    r = run_app(_board(tmp_path, DSMR_ROWS[:200]))
    assert wait_for(lambda: len(json.loads(r.get("/energy.json")[2])["hours"]) >= 10, 60)
    status, headers, body = r.get("/energy.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert headers.get("transfer-encoding") == "chunked" and headers["cache-control"] == "no-store"
    doc = json.loads(body)
    assert list(doc) == ["unit", "clock", "hours", "days", "months", "peaks"]
    assert doc["clock"] == "meter" and doc["peaks"]["n"] == 5
    assert all(h["start"].endswith("+00:00") for h in doc["hours"])
    data = r.get("/data.json")[2].decode()
    assert '"energy"' not in data and '"hours"' not in data and '"peaks"' not in data
    page = r.get("/")[2].decode()
    assert 'id="energy"' in page and 'data-e="today"' in page and 'data-e="month"' in page


def test_energy_settings_are_checked():
    new, errors = Settings().updated({"timezone": b"EET", "peaks_n": b"5"})
    assert not errors and new["timezone"] == "EET" and new["peaks_n"] == 5
    new, errors = Settings().updated({"timezone": b"Europe/Mars", "peaks_n": b"0"})
    assert set(errors) == {"timezone", "peaks_n"}
    assert Settings()["timezone"] == "CET" and Settings()["peaks_n"] == 3
