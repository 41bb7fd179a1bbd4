"""Run by the Home Assistant venv's python (it has aiohttp): websocket API commands.

argv: URL TOKEN; stdin: a JSON list of commands (without ids); stdout: a JSON list of
their results ({"success": ..., "result" or "error": ...}), in order."""

import asyncio
import json
import sys

import aiohttp


async def main(url, token, commands):
    out = []
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(url, timeout=30) as ws:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": token})
            ok = await ws.receive_json()
            if ok["type"] != "auth_ok":
                raise SystemExit("websocket auth: %r" % ok)
            for i, cmd in enumerate(commands, 1):
                await ws.send_json(dict(cmd, id=i))
                while True:
                    msg = await asyncio.wait_for(ws.receive_json(), 60)
                    if msg.get("id") == i and msg.get("type") == "result":
                        out.append(dict((k, msg[k]) for k in ("success", "result", "error") if k in msg))
                        break
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], json.load(sys.stdin)))))
