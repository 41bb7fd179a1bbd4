"""Home Assistant MQTT discovery: one sensor config per OBIS code the meter sends.

The sensors read the one state document (`<prefix>/state`, the readings as in
/data.json); a code missing from a message renders an empty value, which Home
Assistant ignores, so meters that send energy totals only hourly (Norwegian list
3) keep their last value instead of flapping.  `expire_after` follows the
meter's cadence (see cadence.py).  device_class / state_class come from obismap.
Not resident: the MQTT feed loads this module when a code needs its config and
forgets it afterwards.
"""

from cosem.jsonw import Pairs, dumps

from emeter.feeds.cadence import Cadence  # noqa: F401  (expire_after; resident in the MQTT feed)
from emeter.feeds.obismap import KINDS, UNITS, info

_SAFE = "abcdefghijklmnopqrstuvwxyz0123456789"


def slug(text):
    """'1-0:21.7.0' -> '1_0_21_7_0'; anything not [a-z0-9] becomes '_'."""
    return "".join([ch if ch in _SAFE else "_" for ch in str(text).lower()])


def node_id(message, hostname):
    mid = message.meter.get("id")
    return "emeter_" + slug(mid if mid else hostname)


# Manufacturer by the three-letter flag id a DSMR identification line starts with
# ('/ISk5...') or a DLMS list identifier's first letters ('AIDON_V0001', 'KFM_001').
_MAKERS = "|AIDAidon|ISKIskra|KAMKamstrup|KFMKaifa|LGFLandis+Gyr|LGZLandis+Gyr|SAGSagemcom|ESYEasyMeter"


def maker(flag):
    at = _MAKERS.find("|" + flag.upper())
    if at < 0 or len(flag) != 3:
        return None
    end = _MAKERS.find("|", at + 1)
    return _MAKERS[at + 4:end if end > 0 else len(_MAKERS)]


def _ident_model(ident):
    """The meter type in a DSMR identification line: '/XXXZ' (maker, baud), then an optional
    '\\W' (enhanced mode: a digit, or none before a letter) or ':' separator."""
    rest = ident[5:]
    if rest[:1] == "\\":
        rest = rest[2:] if rest[1:2].isdigit() else rest[1:]
    return rest.lstrip(": ") or ident[5:]


def device(message, hostname, ip=None):
    m = message.meter
    d = Pairs()
    d.add("identifiers", [node_id(message, hostname)])
    d.add("name", "Electricity meter %s" % (m.get("id") or hostname))
    ident = m.get("identification")
    model = m.get("model")
    if ident and ident.startswith("/") and len(ident) > 5:
        made = maker(ident[1:4]) or ident[1:4].upper()
        model = model or _ident_model(ident)
    else:
        made = maker((m.get("list") or "")[:3])
    if made:
        d.add("manufacturer", made)
    if model:
        d.add("model", str(model))
    for r in message.readings:  # the firmware version register, where the meter sends one
        if r.obis.startswith("1-") and r.obis.endswith(":0.2.0") and r.value is not None:
            d.add("sw_version", str(r.value))
            break
    if m.get("id"):
        d.add("serial_number", str(m.get("id")))
    if ip:
        d.add("configuration_url", "http://%s/" % ip)
    return d


# M-Bus device type (0-n:24.1.0) -> what its reading (0-n:24.2.1 / 24.2.3) is.
_MBUS = {3: "gas", 7: "water", 4: "heat", 12: "heat"}
# unit as the meter writes it -> Home Assistant's spelling
HA_UNITS = {"m3": "m\u00b3", "kVAr": "kvar", "kVArh": "kvarh"}
_REACTIVE = ("reactive_power", "reactive_energy")  # device classes from Home Assistant 2025.6


def is_mbus(obis):
    """0-n:24.2.1 / 0-n:24.2.3: the reading of M-Bus device n (gas, water, heat)."""
    return obis.startswith("0-") and (obis.endswith(":24.2.1") or obis.endswith(":24.2.3"))


def known(obis):
    """A code discovery describes (a config may still be left out: see config())."""
    return info(obis) is not None or is_mbus(obis)


def _mbus(message, reading):
    """(device_class, name) of an M-Bus reading, or None when unsure what it measures."""
    unit = reading.unit
    kind = _MBUS.get(message.value(reading.obis[:reading.obis.find(":")] + ":24.1.0"))
    if unit == "GJ" or unit in ("kWh", "MWh") and kind == "heat":
        return "energy", "Heat"
    if unit == "m3" and kind in ("gas", "water"):
        return kind, "Gas" if kind == "gas" else "Water"
    return None


def config(message, reading, hostname, state_topic, avail_topic, expire_s, dev=None, before_2025_6=False):
    """(object id, payload JSON) of one sensor, or None if the code is not a quantity we map.
    before_2025_6: leave out the reactive device classes Home Assistant 2025.5 rejects."""
    i = info(reading.obis)
    if i is not None:
        dclass, sclass, base, _, _ = KINDS[i.kind]
        if base is not None and UNITS.get(reading.unit, (None,))[0] != base:
            return None  # no unit, or not one this kind takes: leave it out, never mislabel
        if before_2025_6 and dclass in _REACTIVE:
            dclass = None
        name = reading.name or i.label()
    elif is_mbus(reading.obis) and not isinstance(reading.value, (str, bool)):
        got = _mbus(message, reading)
        if got is None:
            return None
        dclass, name = got
        sclass = "total_increasing"
        if reading.obis[2] != "1":
            name += " " + reading.obis[2]
    else:
        return None
    node = node_id(message, hostname)
    oid = node + "_" + slug(reading.obis)
    code = reading.obis
    p = Pairs()
    p.add("name", name)
    p.add("unique_id", oid)
    p.add("object_id", oid)                  # Home Assistant before 2025.10
    p.add("default_entity_id", "sensor." + oid)
    p.add("state_topic", state_topic)
    p.add("value_template", "{%% if '%s' in value_json.readings %%}"
          "{{ value_json.readings['%s'].value }}{%% endif %%}" % (code, code))
    if dclass:
        p.add("device_class", dclass)
    p.add("state_class", sclass)
    if reading.unit:
        p.add("unit_of_measurement", HA_UNITS.get(reading.unit, reading.unit))
    p.add("expire_after", expire_s)
    p.add("availability_topic", avail_topic)
    p.add("device", dev if dev is not None else device(message, hostname))
    return oid, dumps(p)


def topic(ha_prefix, message, hostname, obis):
    return "%s/sensor/%s/%s/config" % (ha_prefix, node_id(message, hostname), slug(obis))


def is_register(obis):
    if is_mbus(obis):
        return True
    i = info(obis)
    return i is not None and KINDS[i.kind][4]
