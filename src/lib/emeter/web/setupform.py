"""/setup: show the settings form, take a submitted one (checked, saved, then a restart).

Not resident: Web.setup imports this module for the request and forgets it (and the
page, the form parser and the checkers) once the response is made; the form page is
built in pieces while it goes out (dashboard.pieces_response).
"""

from adafruit_httpserver import GET, Response
from adafruit_httpserver.status import Status

from emeter.clock import ticks_diff
from emeter.store.settings import FIELDS
from emeter.web.dashboard import pieces_response
from emeter.web.routes import _HTML, _NO_STORE, _TOO_MANY, SAVE_GAP_MS, _text

_BAD_REQUEST = Status(400, "Bad Request")
_UNPROCESSABLE = Status(422, "Unprocessable Content")
_SAVE_RESTART_MS = 1500


def handle(web, request):
    """GET: the form with the stored values (never the secrets); POST: check and save the
    submitted form, then restart (Web.guard has let the request through)."""
    from emeter.web import plainpages as pages
    s = web.app.settings
    is_set = {}
    values = {}
    for name, _, _, _, secret, _ in FIELDS:
        is_set[name] = s.is_set(name)
        if not secret:
            values[name] = s[name]
    if request.method == GET:  # the form in pieces, built while it goes out
        return pieces_response(request, pages.setup_parts(values, is_set,
                                                          message=web.app.setup_note()))
    now = web.app.board.ticks_ms()
    if web.saved_at is not None and ticks_diff(now, web.saved_at) < SAVE_GAP_MS:
        wait = (SAVE_GAP_MS - ticks_diff(now, web.saved_at) + 999) // 1000
        return _text(request, _TOO_MANY, "Settings were saved a moment ago: nothing was saved",
                     {"Retry-After": str(wait)})
    from emeter.web.forms import parse
    form = parse(request.body)
    new, errors = s.updated(form)
    if "" in errors:
        return _text(request, _BAD_REQUEST, errors[""] + ": nothing was saved")
    if errors:
        from emeter.store.changes import split_credentials
        for name, _, kind, _, secret, _ in FIELDS:
            raw = form.get(name)
            if secret or raw is None:
                continue
            try:
                values[name] = raw.decode("utf-8")
            except UnicodeError:
                values[name] = ""
            if kind == "url":  # shown again without a password typed into it
                values[name] = split_credentials(values[name])[0]
        return pieces_response(request, pages.setup_parts(
            values, is_set, errors, "Nothing was saved: please correct the marked fields."),
            _UNPROCESSABLE)
    web.app.save_settings(new)
    web.saved_at = now
    web.app.restart_later(_SAVE_RESTART_MS)
    return Response(request, pages.saved(new.cleared), content_type=_HTML,
                    headers=dict(_NO_STORE))
