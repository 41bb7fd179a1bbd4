"""The one small stylesheet of the built-in pages (inlined: one request per page)."""

CSS = (
    "body{font-family:sans-serif;margin:1em auto;max-width:48em;padding:0 1em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:left}"
    "td.v{text-align:right;font-variant-numeric:tabular-nums}"
    ".o{color:#888;font-size:.85em}.err{color:#b00}.ok{color:#070}"
    "label{display:block;margin-top:.6em}input,select{font-size:1em}"
    "nav a{margin-right:1em}"
)
