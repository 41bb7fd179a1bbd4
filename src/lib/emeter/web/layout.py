"""The frame every page shares: head (cached assets), the top bar with its links."""

from emeter.web import assets
from emeter.web.pages import esc as _esc

NAV = (("/", "Dashboard"), ("/log", "Log"), ("/setup", "Setup"), ("/data.json", "data.json"))


def header(title, current=None):
    """The top bar: the device's name and the page links (current one marked)."""
    out = ['<header class="top"><a class="brand" href="/">%s</a><nav>' % _esc(title)]
    for href, text in NAV:
        mark = ' aria-current="page"' if href == current else ""
        out.append('<a href="%s"%s>%s</a>' % (href, mark, text))
    out.append("</nav></header>")
    return "".join(out)


def page_parts(title, body, brand, current=None, refresh=None):
    """A whole page as its pieces (a generator), for a response that sends them one by one:
    a board never holds the page joined, nor its encoded copy. body: a string or pieces;
    refresh: seconds between reloads when the script cannot run."""
    yield ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           '<meta name="viewport" content="width=device-width,initial-scale=1"><title>')
    yield _esc(title)
    yield "</title>"
    yield assets.head()
    if refresh:
        yield '<noscript><meta http-equiv="refresh" content="%d"></noscript>' % refresh
    yield "</head><body>"
    yield header(brand, current)
    yield "<main>"
    if isinstance(body, str):
        yield body
    else:
        yield from body
    yield "</main></body></html>"
