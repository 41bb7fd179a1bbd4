"""HTML of the pages shown rarely: the setup form, "saved" and the plain reading page.

Pure functions from data to text (or to pieces of text: setup_parts), no routing, no
I/O; everything that came from the meter, the network or a form goes through esc(). Not
resident: the web routes import this module when such a page is asked for and drop it
from sys.modules once the response is made (a page's generator keeps what it needs).
"""

from emeter.web import layout
from emeter.web.pages import esc, readings_table
from emeter.store.fieldcheck import CHOICES
from emeter.store.settings import FIELDS, MAX_INPUT
from emeter.web.style import CSS


def _page(title, body, refresh=None):
    return "".join(_page_parts(title, body, refresh))


def _page_parts(title, body, refresh=None):
    """A page in pieces; body: a string or pieces."""
    yield ('<!DOCTYPE html><html><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1">')
    if refresh:
        yield '<meta http-equiv="refresh" content="%d">' % refresh
    yield "<title>"
    yield esc(title)
    yield "</title><style>"
    yield CSS
    yield "</style>"
    yield layout.assets.head()  # + the dashboard's CSS and script
    yield "</head><body>"
    yield layout.header("Meter")
    if isinstance(body, str):
        yield body
    else:
        yield from body
    yield "</body></html>"


def _rows(pairs):
    out = ["<table>"]
    for k, v in pairs:
        out.append("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)))
    out.append("</table>")
    return "".join(out)


def _flat(pairs, prefix=""):
    # [("rejected", [("fcs", 2)])] -> [("rejected fcs", 2)]
    out = []
    for k, v in pairs:
        if isinstance(v, list) and v and isinstance(v[0], tuple):
            out.extend(_flat(v, prefix + k + " "))
        elif isinstance(v, list):
            continue
        else:
            out.append((prefix + k, v))
    return out


def index(title, message, meter_rows, status_rows, counter_rows, refresh=10):
    """The reading page: every reading, the meter, the device status and counters."""
    body = ["<h1>%s</h1>" % esc(title)]
    if message is None:
        body.append("<p>No valid message from the meter yet.</p>")
    else:
        body.append("<h2>Readings</h2>")
        body.append(readings_table(message))
        body.append("<h2>Meter</h2>")
        body.append(_rows(meter_rows))
    body.append("<h2>Status</h2>")
    body.append(_rows(status_rows))
    body.append("<h2>Counters</h2>")
    body.append(_rows(_flat(counter_rows)))
    return _page(title, "".join(body), refresh)


def _field(name, kind, label, value, secret, is_set, error):
    """One field of the form, in pieces."""
    yield '<label for="%s">' % name
    yield esc(label)
    if secret:
        yield ' <span class="o">(%s)</span>' % ("set; empty keeps it" if is_set else "not set")
    if error:
        yield ' <span class="err">%s</span>' % esc(error)
    yield "</label>"
    if secret:
        yield ('<input type="password" id="%s" name="%s" autocomplete="off" value="">'
               % (name, name))
        if is_set and kind != "admin":  # the admin password can be changed, never cleared
            yield (' <label style="display:inline"><input type="checkbox" name="clear_%s" '
                   'value="1"> clear</label>' % name)
        if kind == "wpa":  # a network name without its password is refused unless this is ticked
            yield (' <label style="display:inline"><input type="checkbox" name="wifi_open" '
                   'value="1"> open network (no password)</label>')
    elif kind in CHOICES:
        yield '<select id="%s" name="%s">' % (name, name)
        value = str(value)
        for v, text in CHOICES[kind]:
            yield '<option value="%s"%s>%s</option>' % (
                esc(v), " selected" if str(v) == value else "", esc(text))
        yield "</select>"
    elif kind == "bool":  # + a marker: an unticked box sends nothing, the marker says it was here
        yield ('<input type="hidden" name="box_%s" value="1"><input type="checkbox" id="%s" '
               'name="%s" value="1"%s>' % (name, name, name, " checked" if value else ""))
    else:
        # the server checks each kind's own limit; the browser only stops absurd lengths
        yield '<input type="text" id="%s" name="%s" value="' % (name, name)
        yield esc(value)
        yield '" maxlength="%d">' % MAX_INPUT


# The form in sections people recognise: the field that opens each section, and its title.
SECTIONS = {
    "wifi_ssid": "Network",
    "baud": "Meter port",
    "key": "Encrypted meters",
    "admin_password": "Access",
    "raw_enabled": "Raw bytes and DSMR bridge (TCP)",
    "mqtt_enabled": "MQTT and Home Assistant",
    "push_mode": "HTTP push",
    "timezone": "Energy history",
}


def setup(values, is_set, errors=None, message=None):
    """The settings form. values: name -> shown value (secrets are never shown)."""
    return "".join(setup_parts(values, is_set, errors, message))


def setup_parts(values, is_set, errors=None, message=None):
    """setup() as HTML pieces (a generator), for a response that sends them one by one."""
    return _page_parts("Setup", _setup_body(values, is_set, errors or {}, message))


def _setup_body(values, is_set, errors, message):
    yield "<h1>Setup</h1>"
    if message:
        yield '<p class="%s">%s</p>' % ("err" if errors else "ok", esc(message))
    yield '<form method="post" action="/setup">'
    claimed = is_set.get("admin_password")
    if not claimed:  # first use: nothing else is saved without an admin password
        yield ('<h2 class="section">Set an admin password</h2><p>This device is not claimed '
               'yet. Choose an admin password (8 characters or more): every later change '
               'needs it.</p>')
        yield from _field("admin_password", "admin", "Admin password", None, True, False,
                          errors.get("admin_password"))
    for name, _, kind, _, secret, label in FIELDS:
        title = SECTIONS.get(name)
        if title:
            yield '<h2 class="section">%s</h2>' % esc(title)
        if name == "admin_password" and not claimed:
            continue  # shown first
        yield from _field(name, kind, label, values.get(name), secret, is_set.get(name),
                          errors.get(name))
    yield '<p><button type="submit">Save and restart</button></p></form>'


def saved(cleared=()):
    """cleared: secrets dropped because the place they are sent to changed."""
    note = ""
    if cleared:
        note = ("<p class=\"err\">Cleared because the place they go to changed: %s. Their feeds "
                "are off until you enter them again and switch them on.</p>" % esc(", ".join(cleared)))
    return _page("Saved", "<h1>Saved</h1><p>Settings stored. The device restarts now and "
                 "joins the configured network.</p>" + note)
