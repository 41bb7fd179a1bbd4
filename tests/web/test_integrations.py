"""Every path in docs/integrations.md and the README resolves against a real /data.json."""

import os
import re
from decimal import Decimal

import pytest

from apphelp import ROOT, replay_board, wait_for

DOCS = (os.path.join(ROOT, "docs", "integrations.md"), os.path.join(ROOT, "README.md"))
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']*)'\]")


def _doc():
    text = ""
    for name in DOCS:
        with open(name, encoding="utf-8") as f:
            text += f.read()
    return text


def _walk(doc, path):
    """Resolve a dotted/bracketed path ('.readings['1-0:1.7.0'].value'), KeyError if absent."""
    pos = 0
    node = doc
    for m in _STEP.finditer(path):
        assert m.start() == pos, "unparsed text in %r" % path
        node = node[m.group(1) or m.group(2)]
        pos = m.end()
    assert pos == len(path), "unparsed text in %r" % path
    return node


def home_assistant_paths():
    return re.findall(r"\{\{\s*value_json(\S+)\s*\}\}", _doc())


def openhab_paths():
    return re.findall(r'JSONPATH:\$(\S+?)"', _doc())


@pytest.fixture(scope="module")
def data_json(tmp_path_factory):
    from apphelp import Running
    r = Running(replay_board(tmp_path_factory.mktemp("integr"), "dsmr-v5-nl-iskra-mt382-1.txt"))
    try:
        assert wait_for(lambda: r.app.state.frames_ok >= 1)
        yield r.json()
    finally:
        r.stop()


def test_the_document_has_examples_for_both():
    assert len(home_assistant_paths()) >= 5
    assert len(openhab_paths()) >= 5
    assert set(home_assistant_paths()) == set(openhab_paths())


@pytest.mark.parametrize("path", sorted(set(home_assistant_paths() + openhab_paths())))
def test_every_documented_path_gives_a_number(data_json, path):
    value = _walk(data_json, path)
    assert isinstance(value, (int, Decimal)) and not isinstance(value, bool), (path, value)


def test_documented_units_match_the_readings(data_json):
    text = _doc()
    pairs = re.findall(r"JSONPATH:\$\.readings\['([^']+)'\]\.value\", unit=\"([^\"]+)\"", text)
    assert pairs
    for obis, unit in pairs:
        assert data_json["readings"][obis]["unit"] == unit, obis
