# The application part of the heap probe; runs INSIDE the VM after heapprobe's decoder steps.
# MicroPython-compatible only.
#
# The real CircuitPython board module (emeter's) runs against the hardware stand-ins of
# the board tests (tests/*/vm_fakes.py) and an in-memory socket pool (tools/heapnet.py,
# installed as socketpool). Settings turn Wi-Fi, MQTT (with Home Assistant discovery)
# and the dashboard on. Steps: boot (until the web server listens and MQTT is
# connected), one telegram over the fake UART, GET /, GET /data.json, GET /setup, one
# MQTT publish. Every scheduler pass is followed by a collection (a yield to the driver,
# see heapprobe.py) and a look at the heap; the heap is also looked at inside every
# socket send and receive, after gc.collect(). app_peak is the largest figure seen.
# Where gc.collect() works inside a call (unix ports) that is the live heap; in the
# WebAssembly build it also counts the garbage of the pass so far: an upper bound.
import gc
import sys

MAX_PASSES = 300


class _Clock:
    """One fake clock for supervisor.ticks_ms, time.monotonic(_ns) and time.sleep."""

    def __init__(self):
        self.ms = 100000

    def ticks_ms(self):
        self.ms += 1  # time moves on between two looks, as on a board
        return self.ms & 0x3FFFFFFF

    def sleep(self, s):
        self.ms += int(s * 1000) + 1


def _time_module(clock):
    """`time` with what CircuitPython has and a unix/wasm MicroPython lacks (monotonic_ns)."""
    import time as real

    class Time:
        pass

    t = Time()
    for name in dir(real):
        if not name.startswith("__"):
            setattr(t, name, getattr(real, name))
    t.monotonic_ns = lambda: clock.ms * 1000000
    t.monotonic = lambda: clock.ms / 1000
    t.sleep = clock.sleep
    if not hasattr(real, "struct_time"):
        t.struct_time = tuple
    return t


def _traceback_module():
    """CircuitPython's `traceback` (adafruit_httpserver prints errors with it)."""
    class Traceback:
        @staticmethod
        def print_exception(exc, value=None, tb=None, limit=None, file=None, chain=True):
            sys.print_exception(value if isinstance(value, BaseException) else exc)

    return Traceback()


class _Match:
    def __init__(self, m):
        self.m = m

    def group(self, *i):
        return self.m.group(*i)

    def groups(self):
        out = []
        i = 1
        while True:
            try:
                out.append(self.m.group(i))
            except IndexError:
                return tuple(out)
            i += 1


class _Pattern:
    def __init__(self, real):
        self.real = real

    def match(self, s):
        m = self.real.match(s)
        return m and _Match(m)

    def search(self, s):
        m = self.real.search(s)
        return m and _Match(m)

    def split(self, s, n=0):
        return self.real.split(s, n)

    def sub(self, repl, s, count=0):
        return self.real.sub(repl, s, count)


def _re_module():
    """`re` whose match objects have groups() (CircuitPython's do; adafruit_httpserver's
    routes call it), for a VM built without them."""
    import re as real

    class Re:
        pass

    r = Re()
    for name in dir(real):
        if not name.startswith("__"):
            setattr(r, name, getattr(real, name))
    r.compile = lambda pattern, flags=0: _Pattern(real.compile(pattern, flags))
    r.match = lambda pattern, s: r.compile(pattern).match(s)
    r.search = lambda pattern, s: r.compile(pattern).search(s)
    return r


class _NoSuchError(Exception):
    pass


class _AnyName:
    """Stands in for type-only modules: any name is None."""

    def __getattr__(self, name):
        return None


class App:
    """The application under the probe: passes, heap samples and the errors it swallowed."""

    def __init__(self, probe):
        self.probe = probe
        self.peak = 0
        self.app = None
        self.errors_seen = 0
        self.web_error = None
        self.web_errors = 0

    def sample(self, live=False):
        """Look at the heap. live: right after a collection, so nothing but what is kept."""
        gc.collect()
        m = gc.mem_alloc()
        f = self.probe.figures
        if m > self.peak:
            self.peak = m
            f["app_peak"] = m
        steps = f.setdefault("step_peaks", {})
        name = self.probe.step
        if m > steps.get(name, 0):
            steps[name] = m
        if live:
            if m > f.get("app_live_max", 0):
                f["app_live_max"] = m
            kept = f.setdefault("step_live", {})  # largest heap kept between passes, per step
            if m > kept.get(name, 0):
                kept[name] = m

    def watch_web(self, web):
        """Keep the text of what the web server raised (Web.poll only counts it)."""
        poll = web.server.poll

        def watched():
            try:
                return poll()
            except Exception as e:
                # before Wi-Fi is up the server is not started yet and says so: not an error
                if not web.server.stopped:
                    self.web_errors += 1
                    self.web_error = "web server: %r" % (e,)
                raise

        web.server.poll = watched

    def _check_errors(self):
        app = self.app
        n = app.errors + app.sched.errors + self.web_errors
        if n > self.errors_seen:
            self.errors_seen = n
            raise RuntimeError("the application caught an error: %s"
                               % (self.web_error or app.sched.last_error))

    def run_until(self, done, what):
        """Scheduler passes until done(), a collection after each; raise if it never comes."""
        for _ in range(MAX_PASSES):
            if done():
                return
            self.app.step()
            self.sample()
            self._check_errors()
            gc.collect()
            yield
            self.sample(True)
        raise RuntimeError("%s: not done after %d passes (%s)" % (what, MAX_PASSES, self.where()))

    def where(self):
        app = self.app
        mqtt = app.feeds.mqtt
        return "wifi %s, web %s, mqtt %s" % (
            app.wifi.mode, "up" if app.web_started else "down",
            "off" if mqtt is None else "connected" if mqtt.connected else (mqtt.last_error or "not connected"))


def stand_ins(clock=None):
    """What CircuitPython has and a MicroPython VM may lack, put in sys.modules."""
    clock = clock or _Clock()
    sys.modules["time"] = _time_module(clock)
    if "traceback" not in sys.modules:
        try:
            import traceback  # noqa: F401  (CircuitPython has it)
        except ImportError:
            sys.modules["traceback"] = _traceback_module()
    import re
    if not hasattr(re.compile("(a)").match("a"), "groups"):
        sys.modules["re"] = _re_module()
    if sys.implementation.name != "circuitpython":
        # adafruit_connection_manager imports type hints unless it runs on CircuitPython
        for name in ("typing", "circuitpython_typing", "circuitpython_typing.socket"):
            if name not in sys.modules:
                sys.modules[name] = _AnyName()


def run(probe):
    """The application steps, as a generator driven by heapprobe.Probe."""
    root, figures = probe.root, probe.figures
    clock = _Clock()
    stand_ins(clock)
    import busio
    import socketpool
    import supervisor

    supervisor.ticks_ms = clock.ticks_ms
    net = socketpool.net
    a = App(probe)
    net.on_io = a.sample
    telegram = _read(root + "/probe/" + probe.manifest["dsmr"])
    gc.collect()
    yield
    a.sample()

    probe.begin("app_boot")
    import emeter.boards.circuitpython as boardmod
    from emeter.app import App as EmeterApp
    import adafruit_httpserver.server as httpserver
    if sys.implementation.name != "circuitpython" and not hasattr(httpserver, "SSLError"):
        # its error path names ssl.SSLError off CircuitPython; this VM's ssl has none
        httpserver.SSLError = _NoSuchError
    if not hasattr(boardmod, "ConnectionError"):
        boardmod.ConnectionError = OSError  # CircuitPython has it; MicroPython builds may not
    board = boardmod.Board(data_dir=root + "/data")
    heap = probe.manifest["heap"]
    real_free = board.free_memory

    def free_memory():
        # a board's heap does not grow: what is free is what --heap leaves (this VM's may grow)
        free = real_free()
        left = max(0, heap - gc.mem_alloc())
        return left if free is None or left < free else free

    board.free_memory = free_memory
    app = EmeterApp(board, port=80)
    a.app = app
    a.watch_web(app.web)
    app.start()
    mqtt = app.feeds.mqtt  # None when the settings leave MQTT off (build.py heap --settings)
    yield from a.run_until(lambda: app.web_started and (mqtt is None or mqtt.connected),
                           "Wi-Fi, web server and MQTT up")
    yield from a.run_until(lambda: mqtt is None or not mqtt.pending, "MQTT settled")
    gc.collect()
    yield
    figures["app_boot"] = gc.mem_alloc()
    a.sample(True)
    if probe.manifest.get("list_modules"):
        figures["boot_modules"] = sorted(sys.modules)  # after the figure: for build.py heap --modules

    probe.begin("app_telegram")
    frames = app.state.frames_ok
    busio.UART.last.feed(telegram)
    yield from a.run_until(lambda: app.state.frames_ok > frames, "telegram decoded")
    yield from a.run_until(lambda: mqtt is None or not mqtt.pending, "discovery sent")

    for name, path, want in (("index", "/", b"Free memory"), ("data_json", "/data.json", b'"free_memory"'),
                             ("setup", "/setup", b"<form")):
        probe.begin("app_get_" + name)
        conn = socketpool.request(80, "GET %s HTTP/1.1\r\nHost: emeter.local\r\n\r\n" % path, want)
        yield from a.run_until(lambda: conn.closed, "GET " + path)
        head = conn.status.split(b"\r\n")[0]
        if b" 200 " not in head + b" ":
            raise RuntimeError("GET %s answered %s" % (path, head))
        if not conn.found:
            raise RuntimeError("GET %s: the page lacks %s" % (path, want))
        figures["bytes_" + name] = conn.sent
        conn = None

    figures["mqtt_published"] = net.broker.published
    if mqtt is None:
        return
    probe.begin("app_mqtt_publish")
    before = net.broker.published
    mqtt.message_in(app.state.message)
    yield from a.run_until(lambda: net.broker.published > before, "MQTT publish")
    if net.broker.last_topic != mqtt.state_topic:
        raise RuntimeError("published to %s" % net.broker.last_topic)
    figures["mqtt_published"] = net.broker.published


def _read(path):
    with open(path, "rb") as f:
        return f.read()
