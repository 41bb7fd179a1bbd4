"""The MQTT feed's MiniMQTT client, made once when the feed first connects (the client is
kept and reused for every reconnect): loaded by feeds/mqtt.py for that and let go."""


def make(feed, keep_alive_s):
    """A MiniMQTT client for MqttFeed `feed`: its broker, credentials, timeouts, last will
    (`offline`, retained) and message callback."""
    import adafruit_minimqtt.adafruit_minimqtt as MQTT
    c = MQTT.MQTT(broker=feed.host, port=feed.port, username=feed.user, password=feed.password,
                  client_id=client_id(feed.board, feed.hostname),
                  socket_pool=feed.board.socket_pool(), keep_alive=keep_alive_s,
                  socket_timeout=feed.connect_s, recv_timeout=feed.recv_s, connect_retries=1)
    c.will_set(feed.avail_topic, "offline", retain=True)  # (topic, msg, retain, qos)
    c.on_message = feed._on_message
    return c


def client_id(board, hostname):
    # two devices left at the default host name must not throw each other off the broker
    try:
        mac = board.wifi_status().get("mac") or ""
    except Exception:
        mac = ""
    tail = "".join([ch for ch in str(mac) if ch not in ":-"])[-6:].lower()
    return "emeter-" + hostname + ("-" + tail if tail else "")
