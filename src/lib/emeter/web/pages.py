"""HTML pieces every page uses: pure functions from data to text, no routing, no I/O.

Everything that came from the meter, the network or a form goes through esc(). The pages
shown rarely (the setup form, "saved", the plain reading page) are in
emeter.web.plainpages, loaded when one is asked for.
"""

from cosem.jsonw import dumps

_ESC = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"))


def esc(value):
    """Any value as HTML text: str() of it with the five markup characters replaced."""
    if type(value) is str:
        s = value
    elif value is None:
        return ""
    elif isinstance(value, (bytes, bytearray)):
        s = bytes(value).hex()
    elif isinstance(value, (list, tuple, dict)):
        s = dumps(value)
    else:
        s = str(value)
    if "&" in s or "<" in s or ">" in s or '"' in s or "'" in s:
        for ch, entity in _ESC:  # "&" first: the entities written here are not escaped again
            s = s.replace(ch, entity)
    return s  # (the usual text has none of them: returned as it is, nothing allocated)


def readings_table(message):
    return "".join(readings_parts(message))


def readings_parts(message):
    """Every reading as a table, in HTML pieces."""
    yield '<table><tr><th>Reading</th><th class="v">Value</th><th>Unit</th></tr>'
    for r in message.readings:
        yield "<tr><td>"
        yield esc(r.name or "")
        yield ' <span class="o">'
        yield esc(r.obis)
        yield "</span>"
        if r.extra:
            yield ' <span class="o">%s</span>' % " ".join(
                "%s=%s" % (esc(k), esc(r.extra[k])) for k in sorted(r.extra))
        yield '</td><td class="v">'
        yield esc(r.value)
        yield "</td><td>"
        yield esc(r.unit)
        yield "</td></tr>"
    yield "</table>"
