"""The import direction of docs/architecture.md, read from the source with ast.

cosem imports nothing of emeter; inside emeter a layer imports only the layers below it;
only code.py and host mode reach a board module; the Board interface is the boards' own.
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "src", "lib")

# Layer of a module (by its dotted name) -> layers it may import from. Core is every module
# directly in emeter/ except app, the composition root that wires the layers together.
MAY_IMPORT = {
    "cosem": {"cosem"},
    "core": {"cosem", "core"},
    "store": {"cosem", "core", "store"},
    "net": {"cosem", "core", "net"},
    "feeds": {"cosem", "core", "store", "feeds"},
    "web": {"cosem", "core", "store", "feeds", "web"},
    "app": {"cosem", "core", "store", "net", "feeds", "web"},
    "boards": {"cosem", "core", "boards"},
    "host": {"cosem", "core", "boards", "app", "host"},
    "code": {"app", "boards"},
}


def layer(dotted):
    """The layer a module of ours belongs to, or None for the standard library and PyPI."""
    parts = dotted.split(".")
    if parts[0] in ("cosem", "host"):
        return parts[0]
    if parts[0] != "emeter" or len(parts) == 1:
        return None
    if parts[1] == "app":
        return "app"
    if parts[1] in ("web", "feeds", "net", "store", "boards"):
        return parts[1]
    return "core"


def sources():
    """(dotted module name, path) of every Python file of ours that runs the device."""
    yield "code", os.path.join(ROOT, "src", "code.py")
    for top, base in ((LIB, ""), (ROOT, "")):
        for pkg in (("cosem", "emeter") if top == LIB else ("host",)):
            for here, dirs, names in os.walk(os.path.join(top, pkg)):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                for n in names:
                    if n.endswith(".py"):
                        rel = os.path.relpath(os.path.join(here, n), top)[:-3]
                        yield base + rel.replace(os.sep, "."), os.path.join(here, n)


def imports(path, dotted):
    """Every module name an import statement in the file names (also those inside functions)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    package = dotted.rsplit(".", 1)[0] if "." in dotted else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            yield node.lineno, base
            for a in node.names:  # from emeter.web import pages: the module is emeter.web.pages
                yield node.lineno, base + "." + a.name


def upward_imports():
    bad = []
    for dotted, path in sources():
        mine = "code" if dotted == "code" else layer(dotted)
        for line, name in imports(path, dotted):
            theirs = layer(name)
            if theirs is not None and theirs not in MAY_IMPORT[mine]:
                bad.append("%s:%d %s (%s) imports %s (%s)" % (
                    os.path.relpath(path, ROOT), line, dotted, mine, name, theirs))
    return bad


def test_every_import_points_down_the_layers():
    assert upward_imports() == []


def test_the_check_sees_the_whole_tree():
    seen = {layer(d) if d != "code" else "code" for d, _ in sources()}
    assert seen == set(MAY_IMPORT), seen


def test_the_check_catches_an_upward_import(tmp_path):
    # the same walk over a copy of core that imports a web module must complain
    bad = tmp_path / "state.py"
    bad.write_text("from emeter.web import pages\nimport emeter.feeds.mqtt\n")
    found = [n for _, n in imports(str(bad), "emeter.state") if layer(n) not in MAY_IMPORT["core"]]
    assert "emeter.web.pages" in found and "emeter.feeds.mqtt" in found


def test_no_emeter_module_imports_a_board_but_the_boards():
    for dotted, path in sources():
        if dotted.startswith("emeter.") and not dotted.startswith("emeter.boards."):
            names = [n for _, n in imports(path, dotted)]
            assert not [n for n in names if n.startswith("emeter.boards")], dotted


def test_cosem_imports_nothing_of_the_application():
    for dotted, path in sources():
        if dotted.startswith("cosem"):
            assert not [n for _, n in imports(path, dotted) if n.split(".")[0] in ("emeter", "host")]


def test_subpackages_cost_nothing_until_used():
    # a folder's __init__.py, if any, is empty or only re-exports: importing emeter.web must
    # not pull the pages in (a board imports only what the running configuration uses)
    for here, dirs, names in os.walk(os.path.join(LIB, "emeter")):
        if "__init__.py" in names:
            with open(os.path.join(here, "__init__.py"), encoding="utf-8") as f:
                tree = ast.parse(f.read())
            assert all(isinstance(n, (ast.ImportFrom, ast.Expr)) for n in tree.body), here
