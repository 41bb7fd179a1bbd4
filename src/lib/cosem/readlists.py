"""Bodies read by a list rather than by their own layout (readings.py loads this module only
for such a body): a meter-list row (cosem.lists.POSITIONAL, values by position), a structure
led by its push object list (class, OBIS, attribute, index), and the scalers a list family
assumes (cosem.lists.SCALERS).
"""

from .axdr import ARRAY, OCTET_STRING, STRUCTURE
from .readings import _CACHE_MAX, _FAMILIES, _LIST_COUNTS, _key, _text_of, _unmapped, _value, hexs

lists = None  # cosem.lists, loaded by the first body a row may fit


def _lists():
    global lists
    from . import lists
    return lists


_CDS = {}   # key text -> 'C.D' (the SCALERS row key), remembered (bounded)


def listed(msg, elements):
    """Read elements by a meter-list row or by the push object list leading them -> True, or
    False when neither fits (the caller reads the body by its layout)."""
    row = find_list(elements)
    if row is not None:
        _positional(msg, elements, row)
        return True
    push = _push_list(elements)
    if push is not None:
        _pushed(msg, elements, push)
        return True
    return False


def table_scale(family, code):
    """(scaler, unit) for a code from a SCALERS family, or None."""
    if family is None or family not in _FAMILIES:
        return None
    table = (lists or _lists()).SCALERS.get(family)
    if table is None:
        return None
    cd = _CDS.get(code)
    if cd is None:
        # 'A-B:C.D.E' -> 'C.D'
        colon = code.find(":")
        dot = code.find(".", colon + 1)
        if dot < 0:
            return None
        dot2 = code.find(".", dot + 1)
        cd = code[colon + 1:] if dot2 < 0 else code[colon + 1:dot2]
        if len(_CDS) >= _CACHE_MAX:
            _CDS.clear()
        _CDS[code] = cd
    return table.get(cd)


def _matches(match, elements):
    if match["count"] != len(elements):
        return False
    first = match["first"]
    if first is not None:
        if not elements:
            return False
        node = elements[0]
        if first.startswith("hex:"):
            if node[0] != OCTET_STRING or hexs(node[1]) != first[4:]:
                return False
        else:
            text = _text_of(node)
            if text is None:
                return False
            if first.endswith("*"):
                if not text.startswith(first[:-1]):
                    return False
            elif text != first:
                return False
    # every element's A-XDR tag, read from 'a,b,c' in place (no string built per row)
    types = match["types"]
    j = 0
    end = len(types)
    for node in elements:
        v = 0
        k = j
        while j < end and types[j] != ",":
            v = v * 10 + ord(types[j]) - 48
            j += 1
        if j == k or v != node[0]:
            return False
        j += 1
    return j > end


def find_list(elements):
    """The POSITIONAL row whose match fits these elements, or None."""
    if len(elements) not in _LIST_COUNTS:
        return None
    for row in (lists or _lists()).POSITIONAL:
        if _matches(row[1], elements):
            return row
    return None


def _push_list(elements):
    """A push object list leading the structure: [(class, obis, attribute), ...] or None."""
    if len(elements) < 2 or elements[0][0] != ARRAY:
        return None
    entries = []
    for e in elements[0][1]:
        tag, v = e
        if tag != STRUCTURE or len(v) != 4 or v[1][0] != OCTET_STRING or len(v[1][1]) != 6:
            return None
        entries.append((v[0][1], _key(v[1][1]), v[2][1]))
    if len(entries) != len(elements):
        return None
    return entries


def _positional(msg, elements, row):
    name, match, codes, family = row
    msg.meter["list"] = name
    for i in range(len(elements)):
        node = elements[i]
        code = codes[i] if i < len(codes) else None
        if code is None:
            _unmapped(msg, i, node)
            continue
        su = table_scale(family, code)
        value, unit = _value(node, su[0] if su else None, su[1] if su else None, code)
        msg.add(code, value, unit)
    if match["first"] is not None and not match["first"].startswith("hex:"):
        first = _text_of(elements[0])
        if first:
            msg.meter["list"] = first


def _pushed(msg, elements, push):
    list_id = push[0][1]
    for i in range(1, len(elements)):
        cls, code, attr = push[i]
        if attr != 2 or cls == 40:  # logical names and the push setup itself are not readings
            continue
        su = table_scale(list_id, code)
        value, unit = _value(elements[i], su[0] if su else None, su[1] if su else None, code)
        msg.add(code, value, unit)
    msg.meter["list"] = list_id
    msg.meter["push_objects"] = len(push)
