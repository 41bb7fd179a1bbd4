"""The two static assets (/app.css, /app.js): versioned, cached by the browser.

Each page links them with ?v=<hash of the content>, and they are sent with a year's
max-age and an ETag, so a phone fetches them once per firmware, not once per page.

On a board the text never enters the heap: the bundle (tools/bundle.py) writes the
built assets as files into www/ beside this module, and they are sent from flash in
small pieces (adafruit_httpserver's FileResponse); only their version is computed, by
hashing the file a piece at a time. Without those files (host mode, tests) they are
built in memory by emeter.web.assetsmem (joined from their source modules, gzipped where
the runtime can compress and the browser accepts it), which a board never loads; the
bytes are the same either way (together well under the 40 kB page budget; tests check both).
"""

import hashlib

CSS_PATH = "/app.css"
JS_PATH = "/app.js"
_CACHE = "public, max-age=31536000, immutable"
_TYPES = {CSS_PATH: "text/css; charset=utf-8", JS_PATH: "text/javascript; charset=utf-8"}
FILES = {CSS_PATH: "app.css", JS_PATH: "app.js"}  # the built assets' file names in www/
FOLDER = "www"
_on_flash = {}  # path -> version text, for assets served from their files
CHUNK = 512  # bytes read (and sent) at a time from a file


def folder():
    """The folder holding the built asset files (beside this module), or None if there is none."""
    here = globals().get("__file__")
    if not here:
        return None
    cut = here.rfind("/")
    d = (here[:cut] if cut >= 0 else ".") + "/" + FOLDER
    try:
        import os
        os.stat(d + "/" + FILES[CSS_PATH])
        os.stat(d + "/" + FILES[JS_PATH])
    except (OSError, ImportError):
        return None
    return d


_FOLDER = [False]  # folder(), looked up once (False: not yet)


def file_of(path):
    """(folder, file name) of an asset sent from its file, or None when it is built in memory."""
    d = _FOLDER[0]
    if d is False:
        d = _FOLDER[0] = folder()
    return None if d is None else (d, FILES[path])


def _file_version(full):
    h = hashlib.sha256()
    buf = bytearray(CHUNK)  # one buffer for the whole file: no new bytes per piece
    view = memoryview(buf)
    with open(full, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(buf if n == CHUNK else view[:n])
    return h.digest()[:6].hex()


def version(path):
    """The asset's version (hash of its bytes), without holding the bytes when they are on flash."""
    loc = file_of(path)
    if loc is None:
        return get(path)[1]
    v = _on_flash.get(path)
    if v is None:
        v = _on_flash[path] = _file_version(loc[0] + "/" + loc[1])
    return v


def build(path):
    """The asset's bytes, built from the source modules (what the bundle writes to www/)."""
    from emeter.web import assetsmem
    return assetsmem.source(path)


def get(path):
    """(body bytes, version, gzipped bytes or None) of an asset path (read whole from its file
    when there is one: for tests and sizes; pages and responses use version() and file_of())."""
    loc = file_of(path)
    if loc is not None:
        with open(loc[0] + "/" + loc[1], "rb") as f:
            return f.read(), version(path), None
    from emeter.web import assetsmem
    return assetsmem.get(path)


def url(path):
    """The asset's address with its version, for a page to link."""
    return "%s?v=%s" % (path, version(path))


def head():
    """The <head> lines that load both assets (the script runs after parsing)."""
    return ('<link rel="icon" href="data:,"><link rel="stylesheet" href="%s">'
            '<script defer src="%s"></script>'
            % (url(CSS_PATH), url(JS_PATH)))


def response(path, request_headers):
    """(status code, headers dict, body bytes) for a GET of the asset; body is None when the
    asset is to be sent from its file (file_of(path))."""
    if file_of(path) is None:
        from emeter.web import assetsmem
        return assetsmem.response(path, request_headers)
    etag = '"%s"' % version(path)
    headers = {"Cache-Control": _CACHE, "ETag": etag, "Content-Type": _TYPES[path]}
    if request_headers.get("If-None-Match") == etag:
        return 304, headers, b""
    return 200, headers, None


def sizes():
    """{path: (bytes plain, bytes gzipped or None)}: what the budget test weighs."""
    out = {}
    for p in (CSS_PATH, JS_PATH):
        body, _, gz = get(p)
        out[p] = (len(body), None if gz is None else len(gz))
    return out
