"""The dashboard's energy bars in headless Chromium against host mode replaying the bundled
twelve-day example: every bar is a row of /energy.json, its height its kWh."""

import json
import os
from decimal import Decimal

from selenium.webdriver.common.by import By

from e2ehelp import ROOT, screenshot, wait_for

EXAMPLE = os.path.join(ROOT, "examples", "energy-dsmr-12-days.txt")


def _doc(d):
    return json.loads(d.get("/energy.json")[2], parse_float=Decimal)


def _bars(browser, chart, cls):
    return browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('[data-bars=\"'+arguments[0]+'\"] rect.'"
        "+arguments[1]),function(r){return [r.getAttribute('data-k'),r.getAttribute('data-v'),"
        "+r.getAttribute('height'),r.classList.contains('pt')];});", chart, cls)


def _check(rows, bars, key="import"):
    assert [b[0] for b in bars] == [r["start"] for r in rows]
    assert [Decimal(b[1]) for b in bars] == [r[key] for r in rows]
    assert [b[3] for b in bars] == [bool(r.get("partial")) for r in rows]
    # heights in proportion to the values (one scale per chart)
    scale = [Decimal(repr(b[2])) / r[key] for b, r in zip(bars, rows) if r[key] > Decimal("0.5")]
    assert scale and max(scale) / min(scale) < Decimal("1.01")


def test_energy_bars_match_energy_json(device, browser):
    d = device(EXAMPLE, speed=36000, until=lambda c: c["frames_ok"] >= 1)  # the replay keeps the
    # meter's pace, a telegram an hour: ten of them a second
    assert wait_for(lambda: _doc(d)["days"][-1]["start"] == "2026-04-06", 90)
    doc = _doc(d)
    if d.counters()["frames_rejected"] == 0:  # a loaded machine can make the replay overrun
        partial = [r["start"] for r in doc["days"] if r.get("partial")]
        assert partial == ["2026-04-03", "2026-04-06"]  # the meter swap, today
    browser.get(d.base + "/")
    assert wait_for(lambda: browser.find_element(By.ID, "energy").is_displayed()
                    and _bars(browser, "months", "bi"), 20)
    hours = doc["hours"][-48:]
    days = [r for r in doc["days"] if r["start"][:7] == doc["days"][-1]["start"][:7]]
    _check(hours, _bars(browser, "hours", "bi"))
    _check(days, _bars(browser, "days", "bi"))
    _check(doc["months"][-12:], _bars(browser, "months", "bi"))
    exports = [r for r in hours if r["export"]]
    assert [b[0] for b in _bars(browser, "hours", "bx")] == [r["start"] for r in exports]
    peaks = browser.find_element(By.CSS_SELECTOR, "[data-peaks]").text
    for h in doc["peaks"]["hours"]:
        assert "%s kWh" % h["import"] in peaks
    assert "%s kWh" % doc["peaks"]["mean"] in peaks
    today = browser.find_element(By.CSS_SELECTOR, '[data-e="today"]').text
    assert today == "%s kWh" % doc["days"][-1]["import"]
    month = browser.find_element(By.CSS_SELECTOR, '[data-e="month"]').text
    assert month == "%s kWh" % doc["months"][-1]["import"]
    screenshot(browser, "dashboard-energy")
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
