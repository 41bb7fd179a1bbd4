"""The App's status rows and counter rows for the dashboard page, and the note about stored
settings that were ignored: loaded while a page is built (emeter.app) and let go after."""


def setup_note(app):
    if app.settings.problems:
        return "Stored settings ignored: " + ", ".join(
            "%s (%s)" % (n, m) for n, m in app.settings.problems)
    return None


def status_rows(app):
    w = app.wifi_info()
    st = app.state
    el = st.elapsed_ms()
    baud, bits, parity = app.serial
    return [
        ("last message", "never" if el is None else "%d.%03d s ago" % (el // 1000, el % 1000)),
        ("uptime", "%d s" % (st.uptime_ms() // 1000)),
        ("clock", "%s (SNTP: %s)" % (st.now_text(), app.sntp.status())),
        ("serial", "%d %d%s1%s" % (baud, bits, parity, " (detecting)" if app.autobaud is not None else "")),
        ("serial error", app.serial_error or "none"),
        ("settings", setup_note(app) or "ok"),
        ("wifi", app.wifi.mode),
        ("ssid", w.get("ssid")),
        ("ip", w.get("ip")),
        ("mac", w.get("mac")),
        ("rssi", w.get("rssi")),
        ("hostname", app.settings["hostname"] + ".local"),
        ("free memory", app.board.free_memory()),
        ("last failure", "%s: %s" % st.last_failure if st.last_failure else "none"),
        ("last error", app.sched.last_error or "none"),
    ]


def counter_rows(app):
    return app.state.counters() + app.extra_counters() + [
        ("feed " + name, pairs) for name, pairs in app.feeds.counters()]
