"""Text that came from the meter is shown as text on /, never as markup."""

import re

from cosem.crc import crc16_arc
from cosem.message import Message

from emeter.web import pages, plainpages
from host.board import HostBoard

from apphelp import wait_for

EVIL = '<script src="//evil.example/x.js"></script>'


def _telegram():
    body = ("/ISK5\\2M<img src=x onerror=alert(1)>\r\n\r\n"
            "1-3:0.2.8(50)\r\n"
            "0-0:1.0.0(170102192002W)\r\n"
            "1-0:1.8.1(000004.426*kWh)\r\n"
            "0-0:96.13.0(%s)\r\n"
            "!") % EVIL
    data = body.encode("ascii")
    return data + ("%04X\r\n" % crc16_arc(data)).encode("ascii")


def test_hostile_telegram_text_is_escaped_on_the_index_page(tmp_path, run_app):
    board = HostBoard(str(tmp_path), replay=_telegram(), wire=(115200, 8, "N"))
    r = run_app(board)
    assert wait_for(lambda: r.app.state.frames_ok >= 1)
    msg = r.app.state.message
    assert any(EVIL in str(x.value) for x in msg.readings), "decoder no longer yields the text"
    page = r.get("/")[2].decode("utf-8")
    assert EVIL not in page and "evil.example/x.js\"" not in page
    # the page's own script tags load only its own asset; none came from the meter
    for tag in re.findall(r"<script[^>]*>", page):
        assert re.fullmatch(r'<script( defer)? src="/app\.js(\?v=[0-9a-z]+)?"( defer)?>', tag), tag
    assert "<img" not in page
    assert "&lt;script src=&quot;//evil.example/x.js&quot;&gt;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_every_meter_supplied_field_is_escaped():
    m = Message("dsmr")
    m.timestamp = "<t>"
    m.meter = {"<k>": "<id>"}
    m.add("1-0:1.8.0<b>", "<v>", "<u>", {"<e>": "<x>"})
    page = plainpages.index("<title>", m, [("<row>", "<val>")], [("s", "<s>")], [("c", "<c>")])
    body = page.split("</style>", 1)[1]
    for tag in ("<t>", "<k>", "<id>", "<b>", "<v>", "<u>", "<e>", "<x>", "<row>", "<val>",
                "<s>", "<c>", "<title>"):
        assert tag not in body, tag
    assert "&lt;v&gt;" in body
    assert "&lt;u&gt;" in body


def test_esc_replaces_the_five_markup_characters():
    assert pages.esc("&<>\"'") == "&amp;&lt;&gt;&quot;&#39;"
    assert pages.esc(None) == ""
    assert pages.esc(b"\x01\xff") == "01ff"
