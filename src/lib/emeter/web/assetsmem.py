"""The two assets built in memory from their source modules: host mode and tests, which
have no www/ files (a board sends the files the bundle wrote, emeter.web.assets, and never
loads this module).

They are joined from their source modules on first use and those modules are then
dropped from sys.modules, so one copy of the text is kept, not two. Where the runtime can
compress (CPython: zlib.compressobj) they are also kept gzipped, for browsers that accept it.
"""

import hashlib
import sys

from emeter.web.assets import _CACHE, _TYPES, CSS_PATH, JS_PATH

try:
    import zlib
    _GZIP = hasattr(zlib, "compressobj")
except ImportError:
    zlib = None
    _GZIP = False

_built = {}  # path -> (body bytes, version text, gzipped bytes or None)


def source(path):
    """The asset's bytes, built from the source modules (what the bundle writes to www/)."""
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
    """(body bytes, version, gzipped bytes or None), built once."""
    b = _built.get(path)
    if b is None:
        body = source(path)
        version = hashlib.sha256(body).digest()[:6].hex()
        b = (body, version, _gzip(body) if _GZIP else None)
        _built[path] = b
    return b


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
