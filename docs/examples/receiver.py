"""A WaQtor webhook receiver in Python, standard library only. It checks the Standard Webhooks signature
(webhook-signature over "webhook-id.webhook-timestamp.body"), refuses timestamps more than 5 minutes off and
ignores a webhook-id it has already handled.

Run: WEBHOOK_SECRET=whsec_... PORT=3000 python3 receiver.py
"""
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
TOLERANCE = 5 * 60
seen = set()  # use your database in production


def signing_key(secret):
    """whsec_ secrets carry a base64 key; a secret you chose without the prefix is used as it is."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode()


KEY = signing_key(SECRET)


def verify(headers, body):
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and timestamp.isdigit() and signatures):
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    mac = hmac.new(KEY, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    # One "v1,<signature>" per active secret: during a secret rotation both the old and the new one sign.
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, _, sig in (entry.partition(",") for entry in signatures.split(" "))
    )


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.headers, body):
            return self.reply(401, {"error": "invalid signature"})
        msg_id = self.headers["webhook-id"]
        if msg_id in seen:
            return self.reply(200, {"received": True, "duplicate": True})
        seen.add(msg_id)
        payload = json.loads(body)
        if payload["event"] == "message_received":
            print("new message from", payload["data"].get("from"), flush=True)
        else:
            print("event", payload["event"], flush=True)
        self.reply(200, {"received": True, "duplicate": False})

    def reply(self, status, obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep request lines out of the output
        pass


server = ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "3000"))), Handler)
print(f"listening on {server.server_address[0]}:{server.server_address[1]}", flush=True)
server.serve_forever()
