"""`build.py deploy [--drive PATH | --ota URL [--password PW]] [--bundle DIR] [--force]`

Copies build/CIRCUITPY/ (made by `build.py build`) to a board, changed files only.

- USB drive: each file is written whole under a temporary name and renamed into place,
  code.py last, so the board (which restarts on every write) never runs half a file.
- Over the network (--ota http://emeter.local:8080): CircuitPython's web workflow file
  API. Every changed file is first uploaded under a temporary name; only when all of
  them are on the board are they moved into place, code.py last. A wrong password,
  an unreachable board or a drive held by USB stops before anything is replaced.

settings.toml on the board holds the user's Wi-Fi, keys and passwords: it is copied
only when the board has none. A module shipped as .mpy removes a stale .py of the same
name (the VM would import the .py first) and the other way round.
"""

import base64
import getpass
import http.client
import os
import sys
import time
import urllib.parse

try:
    from tools import mpycompile
    from tools.cli import ArgumentParser, UserError
except ImportError:  # run as a script from tools/
    from cli import ArgumentParser, UserError
    import mpycompile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLE = os.path.join(ROOT, "build", "CIRCUITPY")
KEEP_IF_PRESENT = ("settings.toml",)  # the user's settings live there
LAST = ("boot.py", "code.py")         # written after everything else, in this order
TMP_SUFFIX = ".new"
PASSWORD_ENV = "CIRCUITPY_WEB_API_PASSWORD"


class DeployError(Exception):
    def __init__(self, text, status=1):
        Exception.__init__(self, text)
        self.status = status  # 2: bad arguments


# --- the bundle -----------------------------------------------------------------

def bundle_files(bundle):
    """Drive paths ('lib/cosem/crc.mpy') of every file in the bundle, code.py last."""
    if not os.path.isfile(os.path.join(bundle, "code.py")):
        raise DeployError("no bundle at %s: run `python3 build.py build` first" % bundle)
    files = []
    for dirpath, dirnames, filenames in os.walk(bundle):
        dirnames.sort()
        for fn in sorted(filenames):
            files.append(os.path.relpath(os.path.join(dirpath, fn), bundle).replace(os.sep, "/"))
    last = [f for f in LAST if f in files]
    return [f for f in files if f not in LAST] + last


def check_bundle(bundle, files):
    """A CircuitPython board must get CircuitPython .mpy files: refuse anything else."""
    for rel in files:
        if rel.endswith(".mpy"):
            try:
                mpycompile.check_header(os.path.join(bundle, *rel.split("/")), "circuitpython")
            except mpycompile.CompileError as e:
                raise DeployError("%s (this bundle was not built for CircuitPython: "
                                  "python3 build.py build --target circuitpython)" % e)


def twin(rel):
    """The other form of a module in lib/ (x.py <-> x.mpy), or None."""
    if not rel.startswith("lib/"):
        return None
    if rel.endswith(".mpy"):
        return rel[:-4] + ".py"
    if rel.endswith(".py"):
        return rel[:-3] + ".mpy"
    return None


def _read(path):
    with open(path, "rb") as f:
        return f.read()


# --- USB drive ------------------------------------------------------------------

def find_drive():
    """A mounted CIRCUITPY drive, or None."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or ""
    for cand in ("/media/%s/CIRCUITPY" % user, "/run/media/%s/CIRCUITPY" % user,
                 "/media/CIRCUITPY", "/Volumes/CIRCUITPY"):
        if os.path.isfile(os.path.join(cand, "boot_out.txt")):
            return cand
    if os.name == "nt":
        for letter in "DEFGHIJKLMNOPQRSTUVWXYZ":
            cand = letter + ":\\"
            if os.path.isfile(os.path.join(cand, "boot_out.txt")):
                return cand
    return None


def _write_whole(path, data):
    tmp = path + TMP_SUFFIX
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def deploy_drive(bundle, drive, force=False, log=print):
    """Copy changed files to a mounted drive; return the list of drive paths written."""
    if not os.path.isdir(drive):
        raise DeployError("drive %s does not exist (is the board plugged in and mounted?)" % drive)
    if not force and not os.path.isfile(os.path.join(drive, "boot_out.txt")):
        raise DeployError("%s has no boot_out.txt: not a CircuitPython drive (use --force to copy anyway)" % drive)
    files = bundle_files(bundle)
    check_bundle(bundle, files)
    written = []
    for i, rel in enumerate(files, 1):
        data = _read(os.path.join(bundle, *rel.split("/")))
        dest = os.path.join(drive, *rel.split("/"))
        if os.path.exists(dest) and rel in KEEP_IF_PRESENT:
            log("[%d/%d] %s kept (the board's own settings)" % (i, len(files), rel))
        elif force or not os.path.exists(dest) or _read(dest) != data:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            _write_whole(dest, data)
            written.append(rel)
            log("[%d/%d] %s %d B" % (i, len(files), rel, len(data)))
        other = twin(rel)  # removed after the new form is in place: the old one runs until then
        if other and os.path.exists(os.path.join(drive, *other.split("/"))):
            os.remove(os.path.join(drive, *other.split("/")))
            log("removed stale %s" % other)
    if hasattr(os, "sync"):
        os.sync()
    log("%d of %d files written to %s" % (len(written), len(files), drive))
    return written


# --- web workflow ---------------------------------------------------------------

_STATUS_TEXT = {
    401: "wrong password (CIRCUITPY_WEB_API_PASSWORD in the board's settings.toml)",
    403: "the board has no CIRCUITPY_WEB_API_PASSWORD in settings.toml: the web workflow file API is off",
    409: "the board's drive is mounted over USB, which locks it: eject CIRCUITPY (or use --drive)",
    412: "the destination already exists on the board",
    413: "the file does not fit on the board's drive",
    417: "the file does not fit on the board's drive",
    507: "the board's drive is full",
}


class WebWorkflow:
    """The few calls of CircuitPython's web workflow file API that deploy needs."""

    def __init__(self, url, password, timeout=15.0):
        parts = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme != "http":
            raise DeployError("the web workflow speaks plain http, not %s" % parts.scheme)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        token = base64.b64encode((":" + password).encode("utf-8")).decode("ascii")
        self.auth = "Basic " + token

    def _request(self, method, path, body=None, headers=None):
        hdrs = {"Authorization": self.auth}
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, urllib.parse.quote(path), body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheader("Location"), data
        except (OSError, http.client.HTTPException) as e:
            raise DeployError("cannot reach the board at %s:%d (%s)" % (self.host, self.port, e))
        finally:
            conn.close()

    def call(self, method, path, body=None, headers=None, ok=(200, 201, 204)):
        status, location, data = self._request(method, path, body, headers)
        if status in (301, 302, 307, 308) and location:
            # circuitpython.local answers with a redirect to the board's own cpy-XXXXXX.local name.
            moved = urllib.parse.urlsplit(location)
            if moved.hostname:
                self.host, self.port = moved.hostname, moved.port or 80
            status, location, data = self._request(method, path, body, headers)
        if status not in ok:
            why = _STATUS_TEXT.get(status, data.decode("utf-8", "replace").strip()[:200])
            raise DeployError("%s %s: HTTP %d: %s" % (method, path, status, why))
        return status, data

    def version(self):
        """GET /cp/version.json (no password needed): proves the board answers at all."""
        status, data = self.call("GET", "/cp/version.json", ok=(200,))
        return data

    def get(self, rel):
        """The file's bytes on the board, or None if it has none."""
        status, data = self.call("GET", "/fs/" + rel, ok=(200, 404))
        return data if status == 200 else None

    def mkdir(self, rel_dir):
        self.call("PUT", "/fs/" + rel_dir.rstrip("/") + "/", headers={"Content-Length": "0"})

    def put(self, rel, data):
        self.call("PUT", "/fs/" + rel, body=data,
                  headers={"Content-Type": "application/octet-stream",
                           "X-Timestamp": str(int(time.time() * 1000))})

    def move(self, rel, dest_rel):
        self.call("MOVE", "/fs/" + rel, headers={"X-Destination": "/fs/" + dest_rel}, ok=(200, 201, 204))

    def delete(self, rel):
        self.call("DELETE", "/fs/" + rel, ok=(200, 204, 404))


def deploy_ota(bundle, url, password, force=False, log=print, client=None):
    """Update a board over the network; return the list of drive paths replaced."""
    files = bundle_files(bundle)
    check_bundle(bundle, files)
    wf = client or WebWorkflow(url, password)
    wf.version()
    log("board answers at %s:%d" % (wf.host, wf.port))

    # 1. What differs (this also checks the password before anything is written).
    changed, stale = [], []
    for rel in files:
        data = _read(os.path.join(bundle, *rel.split("/")))
        have = wf.get(rel)
        if have is not None and (rel in KEEP_IF_PRESENT or (not force and have == data)):
            continue
        changed.append((rel, data))
        other = twin(rel)
        if other and wf.get(other) is not None:
            stale.append(other)
    if not changed and not stale:
        log("the board is up to date (%d files)" % len(files))
        return []
    total = sum(len(d) for _, d in changed)

    # 2. Stage: folders, then every file under a temporary name. Nothing the board runs changes.
    dirs = []
    for rel, _ in changed:
        parts = rel.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            d = "/".join(parts[:n])
            if d not in dirs:
                dirs.append(d)
    for d in dirs:
        wf.mkdir(d)
    sent = 0
    for i, (rel, data) in enumerate(changed, 1):
        wf.delete(rel + TMP_SUFFIX)
        wf.put(rel + TMP_SUFFIX, data)
        sent += len(data)
        log("[%d/%d] uploaded %s (%d B, %d%%)" % (i, len(changed), rel, len(data), 100 * sent // max(total, 1)))

    # 3. Swap into place, code.py last (the board restarts on the new code once it lands).
    try:
        for rel, _ in changed:
            if rel not in LAST:
                wf.delete(rel)
                wf.move(rel + TMP_SUFFIX, rel)
        for other in stale:
            wf.delete(other)
            log("removed stale %s" % other)
        for rel, _ in changed:
            if rel in LAST:
                wf.delete(rel)
                wf.move(rel + TMP_SUFFIX, rel)
    except DeployError as e:
        raise DeployError("%s; the board has part of the update: run the same deploy again to finish it" % e)
    log("%d files replaced on the board (%d B)" % (len(changed), total))
    return [rel for rel, _ in changed]


# --- command line ---------------------------------------------------------------

def _args(argv):
    ap = ArgumentParser(prog="build.py deploy", description="Copy the built bundle onto a board: to its "
                        "CIRCUITPY drive over USB, or over the network through the web workflow.",
                        epilog="The password may also come from the %s environment variable." % PASSWORD_ENV)
    ap.add_argument("--drive", metavar="PATH", help="the CIRCUITPY drive (default: found by its name)")
    ap.add_argument("--ota", metavar="URL", help="the board's web workflow, e.g. http://emeter.local:8080")
    ap.add_argument("--password", metavar="PW", help="the web workflow password (--ota)")
    ap.add_argument("--bundle", metavar="DIR", default=BUNDLE, help="the bundle to copy (default build/CIRCUITPY)")
    ap.add_argument("--force", action="store_true", help="copy every file, changed or not")
    try:
        opts = vars(ap.parse_args(argv))
    except UserError as e:
        raise DeployError(str(e), e.status)
    if opts["drive"] and opts["ota"]:
        raise DeployError("choose --drive or --ota, not both", 2)
    return opts


def main(argv):
    try:
        opts = _args(argv)
        if opts["ota"]:
            pw = opts["password"] or os.environ.get(PASSWORD_ENV)
            if pw is None and sys.stdin.isatty():
                pw = getpass.getpass("web workflow password: ")
            if not pw:
                raise DeployError("no password: --password PW or %s (the board's CIRCUITPY_WEB_API_PASSWORD)"
                                  % PASSWORD_ENV)
            deploy_ota(opts["bundle"], opts["ota"], pw, opts["force"])
        else:
            drive = opts["drive"] or find_drive()
            if not drive:
                raise DeployError("no CIRCUITPY drive found: plug the board in, or give --drive PATH")
            deploy_drive(opts["bundle"], drive, opts["force"])
    except DeployError as e:
        sys.stderr.write("deploy failed: %s\n" % str(e).replace("\n", " "))
        return e.status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
