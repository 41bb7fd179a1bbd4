"""A stand-in for CircuitPython's web workflow file API, on 127.0.0.1, that records requests.

It answers the way the board does for what deploy uses: GET /cp/version.json without a
password; under /fs/ HTTP Basic auth with an empty user (401 on a wrong password, 403
when the board has none set), GET a file (404 if absent), PUT a file (201 new, 204
replaced; 404 if its folder is missing), PUT a path ending in '/' to make a folder,
DELETE, and MOVE with X-Destination (412 if the destination exists). `usb_active`
makes every write answer 409 as a board whose drive is mounted over USB does.
"""

import base64
import http.server
import threading
import urllib.parse


class FakeBoard:
    def __init__(self, password="s3cret", files=None):
        self.password = password
        self.files = dict(files or {})   # 'lib/cosem/crc.mpy' -> bytes
        self.dirs = {""}
        for rel in self.files:
            self._add_parents(rel)
        self.requests = []               # (method, path, headers dict, body)
        self.usb_active = False
        self._server = None

    def _add_parents(self, rel):
        parts = rel.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            self.dirs.add("/".join(parts[:n]))

    # --- lifecycle ---
    def start(self):
        board = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urllib.parse.unquote(self.path)
                board.requests.append((self.command, path, dict(self.headers), body))
                status, data = board.answer(self.command, path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_MOVE = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- what the board does ---
    def mutations(self):
        return [(m, p, h) for m, p, h, _ in self.requests if m in ("PUT", "DELETE", "MOVE")]

    def answer(self, method, path, headers, body):
        if path == "/cp/version.json" and method == "GET":
            return 200, b'{"web_api_version": 4, "version": "10.0.0"}'
        if not path.startswith("/fs/"):
            return 404, b""
        if not self.password:
            return 403, b""
        want = "Basic " + base64.b64encode((":" + self.password).encode()).decode()
        if headers.get("Authorization") != want:
            return 401, b""
        rel = path[len("/fs/"):]
        if method != "GET" and self.usb_active:
            return 409, b"USB storage active."
        if method == "GET":
            if rel in self.files:
                return 200, self.files[rel]
            return 404, b""
        if method == "PUT" and rel.endswith("/"):
            d = rel.rstrip("/")
            parent = d.rpartition("/")[0]
            if parent not in self.dirs:
                return 404, b""
            if d in self.dirs:
                return 204, b""
            self.dirs.add(d)
            return 201, b""
        if method == "PUT":
            if rel.rpartition("/")[0] not in self.dirs:
                return 404, b""
            existed = rel in self.files
            self.files[rel] = body
            return (204 if existed else 201), b""
        if method == "DELETE":
            if rel in self.files:
                del self.files[rel]
                return 204, b""
            return 404, b""
        if method == "MOVE":
            dest = headers.get("X-Destination", "")
            if not dest.startswith("/fs/"):
                return 400, b""
            dest = dest[len("/fs/"):]
            if rel not in self.files:
                return 404, b""
            if dest in self.files:
                return 412, b""
            if dest.rpartition("/")[0] not in self.dirs:
                return 404, b""
            self.files[dest] = self.files.pop(rel)
            return 201, b""
        return 405, b""
