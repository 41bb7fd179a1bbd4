"""The dashboard's routes: / and /log (their pages come from emeter.web.dashpage and
emeter.web.logpage, loaded for the request and dropped from sys.modules at once: the
page's generator keeps what it needs until the page has gone out), the assets, and the
small JSON routes the page's script reads (/history.json, /status.json, /energy.json).
Pages go out in chunks gathered in one buffer (pieces_response), built while they are sent.
"""

from emeter.lazy import forget
from emeter.web import assets
from emeter.web.textbuf import EXTEND_STR

_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_NO_STORE = {"Cache-Control": "no-store"}


# --- what the app knows -------------------------------------------------------
def last_failure(app):
    """{"reason", "text", "when"} of the latest rejected frame since start, or None."""
    lf = app.state.last_failure
    if not lf:
        return None
    when = None
    if app.log.entries:
        entry = app.log.entries[-1]
        end = entry.find(b"\n")  # its first line says when and why: the rest is not read
        try:
            head = head_line(bytes(entry[:end] if end >= 0 else entry).decode("utf-8"))
        except UnicodeError:
            head = None
        if head and head[1] == lf[0]:
            when = head[0]
    return {"reason": lf[0], "text": lf[1], "when": when, "what": "%s: %s" % lf}


def head_line(first):
    """(when, reason, text, format) of a log.txt block's first line, or None."""
    if not first.startswith("--- Start ---"):
        return None
    rest = first[13:].strip()
    when = None
    sp = rest.find(" ")
    if sp > 0 and not rest[:sp].endswith(":"):
        when, rest = rest[:sp], rest[sp + 1:]
    colon = rest.find(": ")
    reason, text = (rest[:colon], rest[colon + 2:]) if colon >= 0 else ("", rest)
    fmt = ""
    paren = text.rfind(" (")
    if paren >= 0 and text.endswith(" bytes)") and "," in text[paren:]:
        fmt = text[paren + 2:text.find(",", paren)]  # "... (hdlc, 396 bytes)" -> "hdlc"
        text = text[:paren]
    return when, reason, text, fmt


def status_doc(app):
    from cosem.jsonw import dumps
    return dumps({"failure": last_failure(app), "error": app.sched.last_error})


# --- routes ----------------------------------------------------------------------
def add_routes(web):
    """Register the dashboard's routes on the Web object's server."""
    from adafruit_httpserver import GET, Response
    from adafruit_httpserver.status import Status
    app = web.app

    def asset(path):
        def handler(request):
            code, headers, body = assets.response(path, request.headers)
            ctype = headers.pop("Content-Type")
            status = Status(304, "Not Modified") if code == 304 else Status(200, "OK")
            if body is None:  # from flash, a piece at a time: the text never sits in the heap
                from adafruit_httpserver import FileResponse
                folder, name = assets.file_of(path)
                return FileResponse(request, name, folder, status=status, headers=headers,
                                    content_type=ctype, buffer_size=assets.CHUNK)
            return Response(request, body, status=status, headers=headers, content_type=ctype)
        return handler

    def history(request):
        return Response(request, app.history.to_json(), content_type=_JSON,
                        headers=dict(_NO_STORE))

    def status(request):
        return Response(request, status_doc(app), content_type=_JSON, headers=dict(_NO_STORE))

    def energy(request):  # in chunks of about 1 kB: the whole text is never in RAM at once
        from adafruit_httpserver import ChunkedResponse
        return ChunkedResponse(request, app.energy.chunks, content_type=_JSON,
                               headers=dict(_NO_STORE))

    def log(request):
        return pieces_response(request, _parts("logpage", "log_page_parts", app))

    server = web.server
    server.route(assets.CSS_PATH, GET)(asset(assets.CSS_PATH))
    server.route(assets.JS_PATH, GET)(asset(assets.JS_PATH))
    server.route("/history.json", GET)(history)
    server.route("/status.json", GET)(status)
    server.route("/energy.json", GET)(energy)
    server.route("/log", GET)(log)


def index_response(web, request):
    return pieces_response(request, _parts("dashpage", "index_parts", web.app))


def _parts(module, builder, app):
    """The pieces of a page (a generator), from the page module loaded for this request only
    (the generator keeps what it needs of the module while the page goes out)."""
    try:
        if module == "logpage":
            from emeter.web import logpage as page
        else:
            from emeter.web import dashpage as page
        return getattr(page, builder)(app)
    finally:
        forget_pages()


def forget_pages():
    """Drop the page modules from sys.modules (their heap goes once the page has gone out)."""
    for name in ("dashpage", "logpage", "plainpages", "layout", "pages", "style"):
        forget("emeter.web." + name)


CHUNK = 1024  # bytes of a page gathered before they go out as one chunk


def pieces_response(request, pieces, status=None):
    """An HTML page sent as its pieces (an iterable of text), gathered into chunks of about
    CHUNK bytes in one buffer (chunked transfer): the page is never joined, never encoded
    whole, and a board builds each piece only when the one before has gone out."""
    from adafruit_httpserver import ChunkedResponse
    from adafruit_httpserver.status import OK_200
    return ChunkedResponse(request, lambda: _gathered(pieces), status=status or OK_200,
                           content_type=_HTML, headers=dict(_NO_STORE))


def _gathered(pieces):
    buf = bytearray(CHUNK)
    buf[:] = b""  # empty, its room kept: every chunk of the page goes through this buffer
    for p in pieces:
        if len(buf) + len(p) > CHUNK:
            if buf:
                yield buf if EXTEND_STR else bytes(buf)  # sent before this resumes
                buf[:] = b""
            if len(p) >= CHUNK:
                yield p  # a big piece goes out on its own
                continue
        buf.extend(p if EXTEND_STR else p.encode("utf-8"))
    if buf:
        yield buf if EXTEND_STR else bytes(buf)
