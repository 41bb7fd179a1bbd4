"""How often each OBIS code arrives, for Home Assistant's expire_after (hadiscovery.py).

Kept by the MQTT feed for every message, so it lives apart from the discovery
configs, which are loaded only while they are sent.
"""

MIN_EXPIRE_S = 60
# Before a code has been seen twice: registers may come hourly, the rest every few seconds.
DEFAULT_EXPIRE_S = {"register": 2 * 3600 + 600, "instant": 300}


class Cadence:
    """How often each code arrives, learnt from the gap between two sightings."""

    def __init__(self):
        self.last = {}   # obis -> ticks of the latest sighting
        self.gap = {}    # obis -> latest gap in ms

    def seen(self, obis, now, ticks_diff):
        prev = self.last.get(obis)
        self.last[obis] = now
        if prev is not None:
            self.gap[obis] = ticks_diff(now, prev)

    def expire_s(self, obis, register):
        g = self.gap.get(obis)
        if g is None:
            return DEFAULT_EXPIRE_S["register" if register else "instant"]
        return max(MIN_EXPIRE_S, (3 * g + 999) // 1000)
