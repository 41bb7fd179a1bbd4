"""HTML of the pages shown rarely: the setup form, "saved" and the plain reading page.

Pure functions from data to text, no routing, no I/O; everything that came from the
meter, the network or a form goes through esc(). Not resident: the web routes import
this module when such a page is asked for and forget it once the page is built.
"""

from emeter.web import layout
from emeter.web.pages import esc, readings_table
from emeter.store.fieldcheck import CHOICES
from emeter.store.settings import FIELDS, MAX_INPUT
from emeter.web.style import CSS


def _page(title, body, refresh=None):
    head = ['<!DOCTYPE html><html><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">']
    if refresh:
        head.append('<meta http-equiv="refresh" content="%d">' % refresh)
    head.append("<title>%s</title><style>%s</style>%s</head><body>"
                % (esc(title), CSS, layout.assets.head()))  # + the dashboard's CSS and script
    head.append(layout.header("Meter"))
    head.append(body)
    head.append("</body></html>")
    return "".join(head)


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
    out = ['<label for="%s">%s' % (name, esc(label))]
    if secret:
        out.append(' <span class="o">(%s)</span>' % ("set; empty keeps it" if is_set else "not set"))
    if error:
        out.append(' <span class="err">%s</span>' % esc(error))
    out.append("</label>")
    if secret:
        out.append('<input type="password" id="%s" name="%s" autocomplete="off" value="">'
                   % (name, name))
        if is_set and kind != "admin":  # the admin password can be changed, never cleared
            out.append(' <label style="display:inline"><input type="checkbox" name="clear_%s" '
                       'value="1"> clear</label>' % name)
    elif kind in CHOICES:
        out.append('<select id="%s" name="%s">' % (name, name))
        for v, text in CHOICES[kind]:
            sel = " selected" if str(v) == str(value) else ""
            out.append('<option value="%s"%s>%s</option>' % (esc(v), sel, esc(text)))
        out.append("</select>")
    elif kind == "bool":  # + a marker: an unticked box sends nothing, the marker says it was here
        out.append('<input type="hidden" name="box_%s" value="1"><input type="checkbox" id="%s" '
                   'name="%s" value="1"%s>' % (name, name, name, " checked" if value else ""))
    else:
        # the server checks each kind's own limit; the browser only stops absurd lengths
        out.append('<input type="text" id="%s" name="%s" value="%s" maxlength="%d">'
                   % (name, name, esc(value), MAX_INPUT))
    return "".join(out)


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
    errors = errors or {}
    body = ["<h1>Setup</h1>"]
    if message:
        body.append('<p class="%s">%s</p>' % ("err" if errors else "ok", esc(message)))
    body.append('<form method="post" action="/setup">')
    claimed = is_set.get("admin_password")
    if not claimed:  # first use: nothing else is saved without an admin password
        body.append('<h2 class="section">Set an admin password</h2><p>This device is not claimed '
                    'yet. Choose an admin password (8 characters or more): every later change '
                    'needs it.</p>')
        body.append(_field("admin_password", "admin", "Admin password", None, True, False,
                           errors.get("admin_password")))
    for name, _, kind, _, secret, label in FIELDS:
        title = SECTIONS.get(name)
        if title:
            body.append('<h2 class="section">%s</h2>' % esc(title))
        if name == "admin_password" and not claimed:
            continue  # shown first
        body.append(_field(name, kind, label, values.get(name), secret, is_set.get(name),
                           errors.get(name)))
    body.append('<p><button type="submit">Save and restart</button></p></form>')
    return _page("Setup", "".join(body))


def saved(cleared=()):
    """cleared: secrets dropped because the place they are sent to changed."""
    note = ""
    if cleared:
        note = ("<p class=\"err\">Cleared because the place they go to changed: %s. Their feeds "
                "are off until you enter them again and switch them on.</p>" % esc(", ".join(cleared)))
    return _page("Saved", "<h1>Saved</h1><p>Settings stored. The device restarts now and "
                 "joins the configured network.</p>" + note)
