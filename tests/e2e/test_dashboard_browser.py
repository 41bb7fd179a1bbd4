"""The pages in headless Chromium against host mode replaying real captures.

Each test leaves screenshots of its page at phone and desktop widths in tests/artifacts/.
"""

import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal

from selenium.webdriver.common.by import By

from e2ehelp import ROOT, screenshot, set_width, wait_for

from emeter.store.settings import check_field

DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"
HDLC = "hdlc-aidon-se-list-1.hex"
BAD_FCS = "hdlc-aidon-6534-list3-badfcs-1.hex"


def _updates(browser):
    v = browser.execute_script("var e=document.querySelector('[data-live]');"
                               "return e&&+e.getAttribute('data-at')||0")
    return v


def _fetch_json(browser, path):
    return json.loads(browser.execute_async_script(
        "var done=arguments[1];fetch(arguments[0]).then(r=>r.text()).then(done)", path),
        parse_float=Decimal)


def _js_errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _number(text):
    return Decimal(text.strip())


def _shown_equals_data_json(browser, readings):
    """Every value and unit on the page against data.json (Wh registers are shown in kWh)."""
    cells = browser.find_elements(By.CSS_SELECTOR, "[data-o]")
    for el in cells:
        r = readings[el.get_attribute("data-o")]
        kilo = el.get_attribute("data-f") == "kwh" and r["unit"] == "Wh"
        assert _number(el.text) == (Decimal(r["value"]) / 1000 if kilo else r["value"]), r
    for el in browser.find_elements(By.CSS_SELECTOR, "[data-u]"):
        r = readings[el.get_attribute("data-u")]
        kilo = el.get_attribute("data-f") == "kwh" and r["unit"] == "Wh"
        assert el.text == ("kWh" if kilo else r["unit"])
    return cells


def test_values_on_the_dashboard_equal_data_json(device, browser):
    d = device(DSMR)
    browser.get(d.base + "/")
    assert wait_for(lambda: _updates(browser) >= 1), "the page never updated from /data.json"
    doc = _fetch_json(browser, "/data.json")
    assert len(_shown_equals_data_json(browser, doc["readings"])) >= 12  # power, energy, phases
    meter = browser.find_element(By.CSS_SELECTOR, '[data-d="meter.id"]')
    assert meter.text == doc["meter"]["id"]
    power = browser.find_element(By.CSS_SELECTOR, '.num [data-o="1-0:1.7.0"]').text
    assert power == "0.244"  # the meter's own digits, not a float's
    assert not _js_errors(browser)
    screenshot(browser, "dashboard")


def test_the_dashboard_keeps_updating_itself(device, browser):
    d = device(HDLC, speed=20)
    browser.get(d.base + "/")
    assert wait_for(lambda: _updates(browser) >= 1)
    first = browser.find_element(By.CSS_SELECTOR, '[data-d="device.counters.frames_ok"]').text
    assert wait_for(lambda: browser.find_element(
        By.CSS_SELECTOR, '[data-d="device.counters.frames_ok"]').text != first, 40)
    assert "?" not in browser.current_url  # updated in place, not reloaded
    doc = _fetch_json(browser, "/data.json")
    _shown_equals_data_json(browser, doc["readings"])
    energy = browser.find_element(By.CSS_SELECTOR, '[data-o="1-0:1.8.0"]').text
    assert energy == "%s" % (Decimal(doc["readings"]["1-0:1.8.0"]["value"]) / 1000)  # Wh shown as kWh
    assert "." in energy


def test_the_graph_draws_the_points_of_history_json(device, browser):
    d = device(DSMR)
    assert wait_for(lambda: any(v is not None for v in d.json("/history.json")["h"]), 40)
    browser.get(d.base + "/")
    svg = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#graph svg"))
    hist = _fetch_json(browser, "/history.json")
    browser.execute_script("document.querySelector('#graph svg').remove()")
    browser.execute_script("window.dispatchEvent(new Event('resize'))")  # redraw from the data above
    svg = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#graph svg"))
    n = int(svg.get_attribute("data-n"))
    drawn = [v for v in hist["h"] if v is not None] + ([hist["cur"]] if hist["cur"] is not None else [])
    assert n >= 2 and abs(n - len(drawn)) <= 1  # a slot may close between the two fetches
    line = svg.find_element(By.CSS_SELECTOR, "path.line").get_attribute("d")
    assert line.count("L") + line.count("M") == n
    browser.find_element(By.CSS_SELECTOR, '[data-range="d"]').click()
    label = browser.find_element(By.CSS_SELECTOR, "#graph svg").get_attribute("aria-label")
    assert label == "Power over the last 2 h"  # the day view of a history minutes long
    browser.find_element(By.CSS_SELECTOR, '[data-range="h"]').click()
    screenshot(browser, "dashboard-graph")


def test_a_bad_key_on_the_setup_page_shows_the_fields_message_and_stores_nothing(device, browser):
    d = device(DSMR)
    before = d.files()
    want = check_field("hex16", b"not-a-key")[1]
    browser.get(d.base + "/setup")
    key = browser.find_element(By.ID, "key")
    key.send_keys("not-a-key")
    browser.find_element(By.CSS_SELECTOR, 'form button[type="submit"]').click()
    label = browser.find_element(By.CSS_SELECTOR, 'label[for="key"] .err')
    assert label.text == want
    assert key.get_attribute("aria-invalid") == "true"
    assert browser.find_element(By.ID, "formnote").text.startswith("Nothing was saved")
    screenshot(browser, "setup-error")
    # the same form past the script (as a browser without JavaScript sends it): the server's words
    browser.execute_script("HTMLFormElement.prototype.submit.call(document.querySelector('form'))")
    label = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, 'label[for="key"] .err'))
    assert label.text == want
    assert "Nothing was saved" in browser.page_source
    assert d.files() == before and "settings.toml" not in d.files()
    browser.get(d.base + "/setup")
    screenshot(browser, "setup")


def test_the_log_page_lists_a_rejected_frame_that_decodes_offline(device, browser):
    d = device(BAD_FCS, speed=20, until=lambda c: c["frames_rejected"] >= 2)
    browser.get(d.base + "/log")
    entries = browser.find_elements(By.CSS_SELECTOR, ".entry")
    assert entries
    first = entries[0]
    assert first.find_element(By.CSS_SELECTOR, ".tag").text == "fcs"
    assert "frame check sequence" in first.text
    assert "python3 build.py decode log.txt" in browser.find_element(By.TAG_NAME, "main").text
    copy = first.find_element(By.CSS_SELECTOR, "button.copy")
    assert copy.is_displayed()
    copy.click()
    assert wait_for(lambda: copy.text == "Copied", 5)
    block = browser.execute_script("return document.querySelector('.entry pre').textContent")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(block)
    try:
        out = subprocess.run([sys.executable, os.path.join(ROOT, "build.py"), "decode", f.name],
                             capture_output=True, text=True, timeout=60)
    finally:
        os.remove(f.name)
    assert out.returncode == 1 and '"reason":"fcs"' in out.stdout.replace(" ", "")
    browser.get(d.base + "/")
    status = browser.find_element(By.CSS_SELECTOR, '[data-s="failure.what"]')
    assert "frame check sequence" in status.text
    browser.get(d.base + "/log")
    screenshot(browser, "log")


def test_meter_text_is_shown_as_text_in_the_browser(device, browser, tmp_path):
    from cosem.crc import crc16_arc
    evil = '<img src=x onerror="document.title=1"><script>document.title=2</script>'
    body = ("/ISK5\\2M%s\r\n\r\n1-3:0.2.8(50)\r\n0-0:96.13.0(%s)\r\n1-0:1.7.0(00.250*kW)\r\n!"
            % (evil, evil))
    data = body.encode("ascii")
    capture = tmp_path / "evil.txt"
    capture.write_bytes(data + ("%04X\r\n" % crc16_arc(data)).encode("ascii"))
    d = device(str(capture))
    browser.get(d.base + "/")
    assert wait_for(lambda: _updates(browser) >= 1)
    assert browser.title != "1" and browser.title != "2"
    assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
    shown = browser.execute_script("return document.querySelector('main').textContent")
    assert shown.count(evil) >= 2  # the identification line and the text message, as text


def test_the_phone_layout_has_no_sideways_scrolling(device, browser):
    d = device(DSMR)
    for path in ("/", "/setup", "/log"):
        browser.get(d.base + path)
        set_width(browser, 390)
        wide = browser.execute_script("return document.documentElement.scrollWidth")
        assert wide <= 390, path
    set_width(browser, 1280)


def test_a_page_opened_before_the_first_message_fills_in_when_it_arrives(device, browser):
    d = device(HDLC, until=lambda c: True)  # the server is up; the meter may not have spoken yet
    browser.get(d.base + "/")
    tile = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '.num [data-o="1-0:1.7.0"]'), 40)
    assert tile, "the power tile never appeared"
    assert wait_for(lambda: _updates(browser) >= 1)
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-live][data-empty]")
    assert _number(tile[0].text) == _fetch_json(browser, "/data.json")["readings"]["1-0:1.7.0"]["value"]
