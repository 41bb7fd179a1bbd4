"""The pages' stylesheet as text (served once, cached; see assets.py). Phone first."""

CSS = """
:root{--bg:#f3f5f7;--card:#fff;--fg:#1c232b;--mute:#66717d;--line:#e3e7eb;--acc:#1864ab;
--imp:#d9480f;--exp:#2b8a3e;--bad:#c92a2a;--ok:#2b8a3e;color-scheme:light dark}
@media(prefers-color-scheme:dark){:root{--bg:#15191e;--card:#1f252c;--fg:#e8ecef;--mute:#97a3ae;
--line:#313a43;--acc:#74c0fc;--imp:#ff8a4c;--exp:#69db7c;--bad:#ff6b6b;--ok:#69db7c}}
*{box-sizing:border-box}
body{margin:0;max-width:none;padding:0;background:var(--bg);color:var(--fg);
font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.25em 1em;padding:.6em 1em;
background:var(--card);border-bottom:1px solid var(--line)}
.brand{font-weight:700;color:var(--fg);text-decoration:none;margin-right:auto}
nav{display:flex;gap:.2em;flex-wrap:wrap}
nav a{margin:0;padding:.35em .7em;border-radius:8px;color:var(--acc);text-decoration:none}
nav a[aria-current]{background:var(--bg);color:var(--fg);font-weight:600}
main,body>:not(header):not(main){max-width:70em;margin-left:auto;margin-right:auto;padding:1em}
body>form{background:var(--card);border:1px solid var(--line);border-radius:14px;margin-bottom:1em;
max-width:calc(70em - 2em);width:calc(100% - 2em)}
body>p{padding-top:0;padding-bottom:0}
a{color:var(--acc)}.card>p:first-child{margin-top:0}.card>p:last-child{margin-bottom:0}
h1{font-size:1.35em;margin:.2em 0 .6em}
h2{font-size:.8em;margin:0 0 .6em;text-transform:uppercase;letter-spacing:.06em;color:var(--mute)}
h2.section{margin-top:2em;padding-top:1em;border-top:1px solid var(--line)}form h2.section:first-child{margin-top:0;padding-top:0;border:0}
.grid{display:grid;gap:1em;grid-template-columns:repeat(auto-fit,minmax(17em,1fr));margin-bottom:1em}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:1em 1.1em;
margin-bottom:1em;min-width:0}
.grid>.card{margin:0}
.hero{grid-template-columns:repeat(auto-fit,minmax(10em,1fr))}
.num{font-size:clamp(1.8em,8vw,2.4em);font-weight:650;line-height:1.1;margin:0;font-variant-numeric:tabular-nums;
overflow-wrap:anywhere}
.num small{font-size:.45em;font-weight:500;color:var(--mute)}
.imp .num{color:var(--imp)}.exp .num{color:var(--exp)}
.sub{color:var(--mute);font-size:.9em;margin:.3em 0 0}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid var(--line);padding:.35em .4em;text-align:left;vertical-align:top}
tr:last-child>td,tr:last-child>th{border-bottom:0}
th{font-weight:500;color:var(--mute)}
td.v,.kv td{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.ph th,.ph td{text-align:right;white-space:nowrap;padding-left:.2em;padding-right:.2em}.ph th:first-child{text-align:left}
.o,.u{color:var(--mute);font-size:.85em}
.err{color:var(--bad)}.ok{color:var(--ok)}
.tabs{display:flex;gap:.3em;float:right;margin-top:-.3em}
.tabs button{font:inherit;font-size:.85em;padding:.2em .7em;border-radius:8px;border:1px solid var(--line);
background:var(--bg);color:var(--fg);cursor:pointer}
.tabs button[aria-pressed=true]{background:var(--acc);border-color:var(--acc);color:var(--card)}
#graph{clear:both;min-height:190px}#graph svg{display:block;width:100%;height:auto}
#graph text{font-size:11px;fill:var(--mute)}
#graph .grid{stroke:var(--line)}#graph .zero{stroke:var(--mute)}
#graph .line{fill:none;stroke:var(--acc);stroke-width:2;stroke-linejoin:round}
#graph .area{opacity:.16}#graph .gi{fill:var(--imp)}#graph .ge{fill:var(--exp)}#graph .dot{fill:var(--acc)}
.tabs,#gcap{display:none}.js .tabs{display:flex}.js #gcap{display:block}
#energy[hidden]{display:none}#energy svg{display:block;width:100%;height:auto}#energy text{font-size:11px;fill:var(--mute)}
#energy .grid{stroke:var(--line)}#energy .zero{stroke:var(--mute)}.bi{fill:var(--imp)}.bx{fill:var(--exp)}.pt{opacity:.45}
details>summary{cursor:pointer;font-weight:600}
details[open]>summary{margin-bottom:.6em}
.stale{background:#fff3bf;color:#5c3c00;border-radius:10px;padding:.5em .8em}
form label{display:block;margin-top:.9em;font-weight:500}
input,select{font:inherit;padding:.45em .55em;border:1px solid var(--line);border-radius:8px;
background:var(--card);color:var(--fg);width:100%;max-width:28em}
input[type=checkbox]{width:auto}
input[aria-invalid=true]{border-color:var(--bad);outline-color:var(--bad)}
button{font:inherit}
form button[type=submit],.btn{padding:.55em 1.2em;border-radius:10px;border:0;background:var(--acc);
color:var(--card);font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}
.entry{border-top:1px solid var(--line);padding:.7em 0}.entry:first-of-type{border-top:0}
.entry p{margin:.3em 0}.entry summary{color:var(--mute);font-size:.9em;cursor:pointer}
.entry pre{margin:.4em 0 0;padding:.6em;background:var(--bg);border-radius:8px;font-size:.8em;
white-space:pre-wrap;word-break:break-all}
.tag{display:inline-block;padding:.05em .5em;border-radius:6px;background:var(--bad);color:var(--card);
font-size:.85em;font-weight:600}
code{font-size:.92em}
.copy{float:right;font-size:.85em;padding:.2em .7em;border-radius:8px;border:1px solid var(--line);
background:var(--card);color:var(--fg);cursor:pointer}
"""
