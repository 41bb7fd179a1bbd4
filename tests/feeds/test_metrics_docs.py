"""Every metric name docs/feeds.md mentions is one a running device serves at /metrics."""

import os
import re

from host.board import HostBoard

from apphelp import ROOT, Running, corpus_bytes, wait_for
from feedhelp import LOOPBACK, free_port, write_settings

NAME = re.compile(r"\bemeter_[a-z][a-z0-9_]*\b(?![*<])")


def _documented():
    with open(os.path.join(ROOT, "docs", "feeds.md")) as f:
        text = f.read()
    names = set()
    # in code spans and code blocks only (MQTT topics and client ids are not metrics)
    for span in re.findall(r"```.*?```|`[^`\n]+`", text, re.S):
        if "homeassistant/" in span or "emeter-" in span:
            continue
        names.update(NAME.findall(span))
    return names


def test_every_metric_in_the_feeds_doc_is_served(tmp_path):
    documented = _documented()
    assert {"emeter_feed_refused_total", "emeter_feed_dropped_total", "emeter_frames_ok_total"} <= documented
    # a DSMR meter (tariff registers) and an HDLC one (totals), the raw port and MQTT on
    # (its broker away: the counters are there all the same)
    write_settings(tmp_path, raw_enabled=1, raw_port=free_port(), mqtt_enabled=1, mqtt_host=LOOPBACK,
                   mqtt_port=free_port())
    data = corpus_bytes("dsmr-v5-nl-iskra-mt382-1.txt") + corpus_bytes("hdlc-aidon-6534-list3-1.hex")
    r = Running(HostBoard(str(tmp_path), replay=data, wire=(115200, 8, "N")))
    served = set()

    def scrape():
        status, _, body = r.get("/metrics")
        assert status == 200
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                served.add(re.split(r"[{ ]", line, 1)[0])
        return documented <= served

    try:
        wait_for(scrape, 30)
    finally:
        r.stop()
        r.app.feeds.close()
    assert documented - served == set()
