"""The pages over plain HTTP, without a browser: size budget, caching, first paint without JS."""

import gzip
import html
import json
import re
import urllib.error
from decimal import Decimal

from e2ehelp import wait_for

from emeter.web import assets

BUDGET = 40 * 1024  # all of a page's assets together, as sent
DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"
BAD_FCS = "hdlc-aidon-6534-list3-badfcs-1.hex"


def _assets_of(page):
    return re.findall(r'(?:href|src)="(/app\.(?:css|js)\?v=[0-9a-f]+)"', page)


def test_each_page_with_its_assets_fits_40_kB_as_a_board_sends_them(device):
    d = device(DSMR)
    bad = device(BAD_FCS, speed=50, until=lambda c: c["frames_rejected"] >= 40)  # a long /log
    for d, path in ((d, "/"), (d, "/setup"), (bad, "/log"), (bad, "/")):
        status, _, page = d.get(path)  # no Accept-Encoding: what a board sends (it cannot gzip)
        assert status == 200
        linked = _assets_of(page.decode("utf-8"))
        assert len(linked) == 2, path
        total = len(page) + sum(len(d.get(a)[2]) for a in linked)
        assert total <= BUDGET, (path, total)


def test_assets_are_smaller_still_where_the_host_can_gzip():
    plain = sum(p for p, _ in assets.sizes().values())
    packed = [g for _, g in assets.sizes().values()]
    assert plain <= BUDGET - 12 * 1024  # room left for the page itself
    if packed[0] is not None:
        assert sum(packed) * 2 < plain


def test_assets_are_versioned_cached_and_revalidated(device):
    d = device(DSMR)
    page = d.get("/")[2].decode("utf-8")
    for url in _assets_of(page):
        status, headers, body = d.get(url, {"Accept-Encoding": "gzip"})
        assert status == 200
        assert "immutable" in headers["cache-control"] and "max-age=31536000" in headers["cache-control"]
        assert headers["etag"] == '"%s"' % url.split("?v=")[1]
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == d.get(url)[2]
        try:
            d.get(url, {"If-None-Match": headers["etag"]})
        except urllib.error.HTTPError as e:
            assert e.code == 304
        else:
            raise AssertionError("no 304 for a current ETag")


def test_the_first_paint_shows_the_values_of_data_json_without_javascript(device):
    d = device(DSMR)
    page = d.get("/")[2].decode("utf-8")
    doc = json.loads(d.get("/data.json")[2], parse_float=Decimal)
    cells = re.findall(r'<span data-o="([^"]+)"( data-f="kwh")?>([^<]*)</span>', page)
    assert len(cells) >= 12
    for obis, kwh, text in cells:
        r = doc["readings"][obis]
        want = Decimal(r["value"]) / 1000 if kwh and r["unit"] == "Wh" else r["value"]
        assert Decimal(html.unescape(text)) == want, obis
    assert '<noscript><meta http-equiv="refresh"' in page


def test_history_json_is_compact_integers(device):
    d = device(DSMR)
    assert wait_for(lambda: d.json("/history.json")["cur"] is not None
                    or d.json("/history.json")["h"], 30)
    body = d.get("/history.json")[2]
    doc = json.loads(body)
    assert sorted(doc) == sorted(["step", "age", "h", "cur", "lstep", "lage", "d"])
    assert b"." not in body and b" " not in body
    assert all(isinstance(v, int) for v in doc["h"] + doc["d"] + [doc["cur"]] if v is not None)
    assert len(body) < 5000
