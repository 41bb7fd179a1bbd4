"""The two static assets (/app.css, /app.js): built once, versioned, cached by the browser.

Each page links them with ?v=<hash of the content>, and they are sent with a year's
max-age and an ETag, so a phone fetches them once per firmware, not once per page.
They are joined from their source modules on first use and those modules are then
dropped from sys.modules, so a board keeps one copy of the text, not two.  Where the
runtime can compress (CPython host mode: zlib.compressobj) and the browser accepts
gzip, they go out gzipped; a board sends them as they are (together well under the
40 kB page budget either way; tests check both).
"""

import hashlib
import sys

try:
    import zlib
    _GZIP = hasattr(zlib, "compressobj")
except ImportError:
    zlib = None
    _GZIP = False

CSS_PATH = "/app.css"
JS_PATH = "/app.js"
_CACHE = "public, max-age=31536000, immutable"
_TYPES = {CSS_PATH: "text/css; charset=utf-8", JS_PATH: "text/javascript; charset=utf-8"}
_built = {}  # path -> (body bytes, version text, gzipped bytes or None)


def _source(path):
    if path == CSS_PATH:
        from emeter.web import www_css
        text = www_css.CSS
        names = ("www_css",)
    else:
        from emeter.web import formrules, www_js
        text = "(function(){'use strict';var RULES=%s;%s%s})();\n" % (
            formrules.rules_json(), www_js.VALIDATE, www_js.APP)
        names = ("www_js",)
    pkg = __name__[:__name__.rfind(".")]
    for n in names:  # free the source strings: the joined text is all we keep
        sys.modules.pop(pkg + "." + n, None)
        try:
            delattr(sys.modules[pkg], n)
        except (AttributeError, KeyError, TypeError):
            pass
    return text.encode("utf-8")


def _gzip(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def get(path):
    """(body bytes, version, gzipped bytes or None) of an asset path."""
    b = _built.get(path)
    if b is None:
        body = _source(path)
        version = hashlib.sha256(body).digest()[:6].hex()
        b = (body, version, _gzip(body) if _GZIP else None)
        _built[path] = b
    return b


def url(path):
    """The asset's address with its version, for a page to link."""
    return "%s?v=%s" % (path, get(path)[1])


def head():
    """The <head> lines that load both assets (the script runs after parsing)."""
    return ('<link rel="icon" href="data:,"><link rel="stylesheet" href="%s">'
            '<script defer src="%s"></script>'
            % (url(CSS_PATH), url(JS_PATH)))


def response(path, request_headers):
    """(status code, headers dict, body bytes) for a GET of the asset."""
    body, version, gz = get(path)
    etag = '"%s"' % version
    headers = {"Cache-Control": _CACHE, "ETag": etag, "Content-Type": _TYPES[path]}
    if gz is not None:
        headers["Vary"] = "Accept-Encoding"
    if request_headers.get("If-None-Match") == etag:
        return 304, headers, b""
    if gz is not None and "gzip" in (request_headers.get("Accept-Encoding") or ""):
        headers["Content-Encoding"] = "gzip"
        return 200, headers, gz
    return 200, headers, body


def sizes():
    """{path: (bytes plain, bytes gzipped or None)}: what the budget test weighs."""
    out = {}
    for p in (CSS_PATH, JS_PATH):
        body, _, gz = get(p)
        out[p] = (len(body), None if gz is None else len(gz))
    return out
