"""What a submitted setup form changes (imported only when a form is saved: heap).

- Only the fields the form carries change. A check box counts only when its hidden
  `box_<name>` marker came too (an unticked box is not sent at all), so an empty or
  partial POST never switches features off. No fields at all, or a field name the
  form does not have, is an error for the request as a whole (key "").
- Secrets are never shown: an empty secret field keeps the stored value, a
  `clear_<name>` box erases it (not the admin password: it can only be changed).
- A secret goes only where it was entered for (BOUND): moving its destination without
  entering it again clears it and switches its feed off.
- Wi-Fi is different: a configured device never opens its access point, so a network
  name without its password would lock the device out.  A new name (or a cleared
  password) needs the password, or `wifi_open` (the form's "open network" box),
  which stores none.
- Nothing is saved on a device without an admin password (claim on first use).
"""

from emeter.store.settings import FIELDS, NAMES, Settings, check_field

# (secret, the fields that say where it is sent, the switch that turns its feed off, off)
BOUND = (("mqtt_password", ("mqtt_host", "mqtt_port"), "mqtt_enabled", 0),
         ("push_token", ("push_url",), "push_mode", "off"))
BOXES = tuple(f[0] for f in FIELDS if f[2] == "bool")
CLEARABLE = tuple(f[0] for f in FIELDS if f[4] and f[2] != "admin")


def updated(old, form):
    """Apply a submitted form (dict name -> bytes) to a copy of old.

    Returns (new Settings, errors dict name -> message; "" for the request as a whole).
    With any error the copy must not be stored. new.cleared lists the secrets dropped
    because their destination changed.
    """
    new = Settings(old.values)
    errors = {}
    for key in form:
        if not (key in NAMES or key == "wifi_open" or (key[:4] == "box_" and key[4:] in BOXES)
                or (key[:6] == "clear_" and key[6:] in CLEARABLE)):
            errors[""] = "unknown field " + "".join(
                [c for c in key[:32] if c.isalpha() or c.isdigit() or c == "_"])
            return new, errors
    if not form:
        errors[""] = "no settings in the request"
        return new, errors
    entered = []
    for name, _, kind, default, secret, _ in FIELDS:
        raw = form.get(name)
        if secret:
            if form.get("clear_" + name):
                new.values[name] = ""
                continue
            if not raw:
                continue  # empty secret: keep what is stored
            entered.append(name)
        elif raw is None:
            if kind != "bool" or "box_" + name not in form:
                continue
            raw = b""  # the box was on the form and not ticked
        if kind == "ssid" and raw == b"":
            new.values[name] = ""
            continue
        value, err = check_field(kind, raw)
        if err is None:
            new.values[name] = value
        else:
            errors[name] = err
    if form.get("wifi_open"):
        if "wifi_password" in entered:
            errors["wifi_password"] = "an open network has no password"
        new.values["wifi_password"] = ""
    elif new.values["wifi_ssid"] and "wifi_password" not in entered and (
            new.values["wifi_ssid"] != old.values["wifi_ssid"]
            or old.values["wifi_password"] and not new.values["wifi_password"]):
        errors["wifi_password"] = "a new network needs its password, or tick open network"
    if split_push_url(new, "push_token" not in entered):
        entered.append("push_token")
    for name, where, switch, off in BOUND:
        if name in entered or not old.values[name] or not new.values[name]:
            continue
        for f in where:
            if new.values[f] != old.values[f]:
                new.values[name] = ""
                if switch:
                    new.values[switch] = off
                new.cleared.append(name)
                break
    if not new.values["admin_password"]:
        errors["admin_password"] = "set an admin password first (8 characters or more)"
    return new, errors


def split_push_url(s, replace=False):
    """Move a user:password@ (or InfluxDB's u=, p=) out of the push URL into the push
    token (when it is empty, or replace); True if the URL carried one."""
    url, cred = split_credentials(s.values["push_url"])
    if not cred:
        return False
    s.values["push_url"] = url
    if replace or not s.values["push_token"]:
        s.values["push_token"] = cred
    return True


def split_credentials(url):
    """(url, "user:password") with the credentials taken out of url: a user:password@
    before the host, or InfluxDB's u= and p= query keys; ("url", "") if it has none.
    The parts stay as written (percent escapes are not decoded)."""
    i = url.find("://")
    if i < 0:
        return url, ""
    i += 3
    j = i
    while j < len(url) and url[j] not in "/?#":
        j += 1
    user = pw = ""
    at = url.rfind("@", i, j)
    if at >= 0:
        cred = url[i:at]
        k = cred.find(":")
        user, pw = (cred[:k], cred[k + 1:]) if k >= 0 else (cred, "")
        url = url[:i] + url[at + 1:]
    q = url.find("?")
    if q >= 0:
        keep = []
        for part in url[q + 1:].split("&"):
            if part[:2] == "u=":
                user = user or part[2:]
            elif part[:2] == "p=":
                pw = pw or part[2:]
            else:
                keep.append(part)
        url = url[:q] + ("?" + "&".join(keep) if keep else "")
    if not user and not pw:
        return url, ""
    return url, user + ":" + pw
