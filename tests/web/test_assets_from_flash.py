"""The page assets as a board sends them: files the bundle wrote, read from flash a piece at a time."""

import hashlib
import re

import pytest

from apphelp import replay_board, wait_for
from emeter.web import assets

from tools import bundle

DSMR = "dsmr-v5-nl-iskra-mt382-1.txt"


@pytest.fixture
def on_flash(tmp_path, monkeypatch):
    """Assets served from files in a www/ folder, as the bundle lays them out."""
    bundle.write_assets(str(tmp_path))
    folder = str(tmp_path / bundle.ASSET_DIR)
    monkeypatch.setattr(assets, "_FOLDER", [folder])
    monkeypatch.setattr(assets, "_on_flash", {})
    return folder


def test_bundle_writes_the_assets_the_host_builds_in_memory(on_flash):
    for path, name in assets.FILES.items():
        with open(on_flash + "/" + name, "rb") as f:
            data = f.read()
        assert data == assets.build(path)
        assert assets.version(path) == hashlib.sha256(data).digest()[:6].hex()


def test_asset_on_flash_is_not_held_in_memory(on_flash):
    for path in assets.FILES:
        code, headers, body = assets.response(path, {})
        assert code == 200 and body is None
        assert headers["ETag"] == '"%s"' % assets.version(path)
    assert assets.file_of(assets.JS_PATH) == (on_flash, "app.js")


def test_app_streams_each_asset_from_its_file_with_cache_headers(on_flash, tmp_path, run_app):
    r = run_app(replay_board(tmp_path, DSMR, 1.0))
    assert wait_for(lambda: r.app.state.frames_ok >= 1), "no frame decoded"
    page = r.get("/")[2].decode("utf-8")
    linked = re.findall(r'(?:href|src)="(/app\.(?:css|js))\?v=([0-9a-f]+)"', page)
    assert len(linked) == 2
    for path, v in linked:
        status, headers, body = r.get(path + "?v=" + v)
        assert status == 200
        with open(on_flash + "/" + assets.FILES[path], "rb") as f:
            assert body == f.read()
        assert len(body) > assets.CHUNK  # more than one piece was sent
        assert headers["etag"] == '"%s"' % v and "immutable" in headers["cache-control"]
        assert headers["content-type"].startswith("text/")
        status, _, body = r.get(path, headers={"If-None-Match": '"%s"' % v})
        assert status == 304 and body == b""


def test_bundle_ships_the_asset_files_instead_of_their_source_modules(tmp_path):
    plan = [dest for _, dest, _ in bundle.plan(bundle.ROOT)]
    for src in bundle.ASSET_SOURCES:
        assert "lib/" + src not in plan
    assert "lib/emeter/web/assets.py" in plan


def test_dashboard_and_log_pages_go_out_in_pieces(tmp_path, run_app):
    # chunked: the board sends the page's pieces one by one, never the page joined and encoded
    r = run_app(replay_board(tmp_path, DSMR, 1.0))
    assert wait_for(lambda: r.app.state.frames_ok >= 1), "no frame decoded"
    for path in ("/", "/log"):
        status, headers, body = r.get(path)
        assert status == 200
        assert headers.get("transfer-encoding") == "chunked" and "content-length" not in headers
        assert body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</main></body></html>")
    from emeter.web import logpage
    assert "".join(logpage.log_page_parts(r.app)) == logpage.log_page(r.app)
