"""The README's Home Assistant REST template, rendered by Jinja as Home Assistant does
(value_json parsed with json.loads), against the /data.json of a DSMR meter (kW), a W/Wh
meter (Aidon, HDLC) and a Kamstrup (codes 1-1:): power import in W for each."""

import json
import re
from decimal import Decimal

import jinja2
import pytest

from apphelp import ROOT, Running, replay_board, wait_for

CAPTURES = {
    "dsmr-v5-nl-iskra-mt382-1.txt": Decimal("244"),          # 00.244 kW
    "hdlc-aidon-6525-list3-2.hex": Decimal("4027"),          # 4027 W
    "hdlc-kamstrup-6841131-list2-1.hex": Decimal("2690"),    # 1-1:1.7.0, 2690 W
}


def readme_sensors():
    with open(ROOT + "/README.md", encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"Home Assistant \(REST sensor.*?```yaml\n(rest:\n.*?)```", text, re.S).group(1)
    out = []
    for m in re.finditer(r'value_template: (?:"(.*)"\n|>-\n((?:          .*\n)+))\s+unit_of_measurement: "([^"]+)"',
                         block):
        template = m.group(1) or " ".join(line.strip() for line in m.group(2).splitlines())
        out.append((template, m.group(3)))
    return out


def test_the_readme_has_a_rest_template_in_watts():
    assert [u for _, u in readme_sensors()] == ["W"]


@pytest.mark.parametrize("capture", sorted(CAPTURES))
def test_the_readme_rest_template_gives_watts_for_every_meter(tmp_path, capture):
    r = Running(replay_board(tmp_path, capture))
    try:
        assert wait_for(lambda: r.app.state.frames_ok >= 1)
        status, _, body = r.get("/data.json")
        assert status == 200
    finally:
        r.stop()
    doc = json.loads(body)  # floats, as Home Assistant parses it
    sensors = readme_sensors()
    assert sensors
    for template, unit in sensors:
        text = jinja2.Environment().from_string(template).render(value_json=doc).strip()
        assert text and Decimal(text) == CAPTURES[capture], (capture, text)
