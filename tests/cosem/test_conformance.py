"""Every capture in ../shared/corpus decodes to its expected values, or is rejected with a reason."""

import json
from decimal import Decimal

import pytest

import conformance
import corpus
from cosem import decode
from cosem.number import Dec

ALL = corpus.names()


def test_corpus_is_there():
    assert len(ALL) >= 120


@pytest.mark.parametrize("name", ALL)
def test_capture_conforms(name):
    problems = conformance.check_file(name, corpus.read(name), corpus.expected_text(name))
    assert problems == []


@pytest.mark.parametrize("name", [n for n in ALL if "error" not in json.loads(corpus.expected_text(n))])
def test_decimal_text_is_exact(name):
    """The JSON text of each value equals the exact decimal, digit for digit."""
    exp = json.loads(corpus.expected_text(name))
    for item in decode(corpus.capture(name), exp.get("key"), exp.get("auth_key")):
        if not item.ok:
            continue
        for r in item.readings:
            want = (exp.get("obis") or {}).get(r.obis)
            if not isinstance(want, dict):
                continue
            target = want.get("value", want.get("raw"))
            if isinstance(target, bool) or not isinstance(target, (int, float)):
                continue
            assert isinstance(r.value, (int, Dec)) and not isinstance(r.value, bool)
            assert Decimal(str(r.value)) == Decimal(repr(target)), r.obis


def _walk(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _walk(v)
    else:
        yield node


@pytest.mark.parametrize("name", ALL)
def test_no_value_is_a_float_unless_the_meter_sent_one(name):
    exp = json.loads(corpus.expected_text(name))
    for item in decode(corpus.capture(name), exp.get("key"), exp.get("auth_key")):
        if not item.ok:
            continue
        floats_sent = 'float' in item.to_json()  # payload type names say when the meter sent floats
        for r in item.readings:
            for v in _walk(r.value):
                assert not isinstance(v, float) or floats_sent, (r.obis, v)
            for v in _walk(r.extra or {}):
                assert not isinstance(v, float), (r.obis, v)
        # and the JSON document parses, with every reading present
        doc = json.loads(item.to_json())
        assert list(doc["readings"]) == [r.obis for r in item.readings]
