"""The failed-frame page (/log) as a generator of HTML pieces: the newest entries of
log.txt, newest first, each with a copy button. Loaded for the request and let go, like
the dashboard page (emeter.web.dashpage)."""

from emeter.web import layout
from emeter.web.dashboard import head_line
from emeter.web.pages import esc

LOG_PAGE_BYTES = 16000  # of entries on /log: the page fits the 40 kB budget


def _only_hex(s):
    for ch in s:
        if ch not in "0123456789abcdef":
            return False
    return True


def parse_entry(entry):
    """A log.txt block -> {"when", "reason", "text", "hex", "block"}, or None if unreadable."""
    try:
        block = bytes(entry).decode("utf-8")
    except UnicodeError:
        return None
    lines = block.split("\n")
    head = head_line(lines[0])
    if head is None:
        return None
    hexlines = [ln for ln in lines[1:] if ln and _only_hex(ln)]  # not "--- End ---", "... (cut)"
    return {"when": head[0], "reason": head[1], "text": head[2], "format": head[3],
            "hex": "\n".join(hexlines), "block": block}


def _entry_html(i, e):
    nbytes = len(e["hex"].replace("\n", "")) // 2
    return ('<div class="entry"><button type="button" class="copy" data-copy="e%d" hidden>Copy'
            '</button><span class="tag">%s</span> <span class="o">%s</span><p>%s</p><details>'
            '<summary>%s %d bytes</summary><pre id="e%d">%s</pre></details></div>'
            % (i, esc(e["reason"]), esc(e["when"] or ""), esc(e["text"]), esc(e["format"]),
               nbytes, i, esc(e["block"])))


def _shown(entries):
    """How many of the newest entries fit LOG_PAGE_BYTES (at least one), newest first: each
    entry's HTML is built here to be measured and again when it is sent, never all kept."""
    count = size = 0
    for i in range(len(entries) - 1, -1, -1):
        e = parse_entry(entries[i])
        if e is None:
            continue
        n = len(_entry_html(i, e))
        if count and size + n > LOG_PAGE_BYTES:
            break
        count += 1
        size += n
    return count


def _entries_html(entries, count):
    """The newest `count` readable entries as HTML pieces, newest first."""
    for i in range(len(entries) - 1, -1, -1):
        if not count:
            return
        e = parse_entry(entries[i])
        if e is None:
            continue
        yield _entry_html(i, e)
        count -= 1


def log_page(app):
    """The newest failed frames kept in log.txt, newest first, each with a copy button."""
    return "".join(log_page_parts(app))


def log_page_parts(app):
    """log_page() as HTML pieces (a generator: each entry one piece)."""
    title = app.title()
    return layout.page_parts("Log \u2013 " + title, _log_body(app), title, "/log")


def _log_body(app):
    entries = list(app.log.entries)  # the entries as they are now, whatever arrives meanwhile
    n = len(entries)
    shown = _shown(entries)
    yield "<h1>Rejected frames</h1>"
    yield ('<div class="card"><p>%s kept in log.txt (the oldest go past %d kB)%s. '
           'Each block is the frame as it arrived. To decode one on a computer, copy it '
           'into a file, or <a href="/log.txt" download="log.txt">download log.txt</a>, '
           'and run <code>python3 build.py decode log.txt</code>.</p></div>'
           % ("%d frame%s" % (n, "" if n == 1 else "s"), app.log.limit // 1024,
              "; the newest %d are shown here" % shown if shown < n else ""))
    if shown:
        yield '<div class="card">'
        yield from _entries_html(entries, shown)
        yield '</div>'
    else:
        yield '<p class="ok">No rejected frames.</p>'
