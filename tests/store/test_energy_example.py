"""The bundled energy example is what its seeded script makes, and decodes cleanly."""

import os

from energyhelp import ROOT

from cosem import decode
from tools import energy_sequence as es

EXAMPLE = os.path.join(ROOT, "examples", "energy-dsmr-12-days.txt")


def test_example_is_reproducible_from_its_script():
    with open(EXAMPLE, "rb") as f:
        data = f.read()
    assert data == es.dsmr_sequence(es.example_rows())


def test_example_decodes_with_crcs_and_meter_time():
    with open(EXAMPLE, "rb") as f:
        items = list(decode(f.read()))
    assert len(items) == 288 and all(m.ok for m in items)
    assert items[0].timestamp == "2026-03-25T00:00:10"
    assert items[0].reading("0-0:1.0.0").extra == {"dst": "winter"}
    assert items[-1].reading("0-0:1.0.0").extra == {"dst": "summer"}
