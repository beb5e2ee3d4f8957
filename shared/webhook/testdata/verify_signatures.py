"""Verifies signature vectors (JSON on stdin, the format of signatures.json) with Python's standard library only:
the Standard Webhooks webhook-signature and the seed's X-Waqtor-Signature. Prints {"vectors":n,"checks":m} or
exits 1 naming the first failure."""
import base64
import binascii
import hashlib
import hmac
import json
import sys

TOLERANCE = 5 * 60
checks = 0


def check(ok, vector, what):
    global checks
    if not ok:
        sys.exit(f"FAIL {vector['name']!r}: {what}")
    checks += 1


def standard_key(secret, fmt):
    if fmt == "raw":
        return secret.encode()
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


def verify_standard(key, body, headers, now):
    """Standard Webhooks verification: timestamp within 5 minutes, then any v1 entry matching."""
    msg_id, ts, sigs = headers["webhook-id"], headers["webhook-timestamp"], headers.get("webhook-signature", "")
    if abs(now - int(ts)) > TOLERANCE:
        return False
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    for entry in sigs.split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


def verify_waqtor(secret, body, headers):
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("x-waqtor-signature", ""), expected)


vectors = json.load(sys.stdin)
for v in vectors:
    headers = {k.lower(): val for k, val in v["headers"].items()}
    body = v["body"].encode()
    tampered = body + b" "
    ts = v["timestamp"]
    signing = [s for s in v["secrets"] if s["signs"]]
    entries = headers["webhook-signature"].split(" ") if headers.get("webhook-signature") else []
    check(len(entries) == len(signing), v, f"{len(entries)} v1 entries for {len(signing)} active secrets")
    for s in v["secrets"]:
        try:
            key = standard_key(s["value"], s["format"])
        except binascii.Error:
            check(False, v, f"secret {s['value']} is not whsec_ + base64")
        ok = verify_standard(key, body, headers, ts)
        check(ok == s["signs"], v, f"standard verify with {s['value']}: {ok}, want {s['signs']}")
        if s["signs"]:
            check(not verify_standard(key, tampered, headers, ts), v, "tampered body accepted")
            check(not verify_standard(key, body, headers, ts + TOLERANCE + 1), v, "stale timestamp accepted")
            check(not verify_standard(key, body, headers, ts - TOLERANCE - 1), v, "future timestamp accepted")
    check(verify_waqtor(v["waqtorSecret"], body, headers), v, "X-Waqtor-Signature")
    check(not verify_waqtor(v["waqtorSecret"], tampered, headers), v, "X-Waqtor-Signature took a tampered body")
    for s in v["secrets"]:
        if s["value"] != v["waqtorSecret"]:
            check(not verify_waqtor(s["value"], body, headers), v, "X-Waqtor-Signature with another secret")

print(json.dumps({"vectors": len(vectors), "checks": checks}))
