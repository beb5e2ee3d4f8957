// Verifies signature vectors (JSON on stdin, the format of signatures.json) with two receivers that share no code
// with WaQtor: the standardwebhooks npm package (webhook-signature) and the seed's Node receiver, which checks
// X-Waqtor-Signature over JSON.stringify(req.body) where express.json() made req.body with JSON.parse.
// Prints {"vectors":n,"checks":m} or exits 1 naming the first failure.
"use strict";
const crypto = require("node:crypto");
const { Webhook } = require("standardwebhooks");

const realNow = Date.now;
let checks = 0;
function check(ok, vector, what) {
  if (!ok) {
    console.error(`FAIL ${JSON.stringify(vector.name)}: ${what}`);
    process.exit(1);
  }
  checks++;
}
function throws(fn) {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}
// seedReceiver is the seed's express handler without express: 401 unless the signature matches.
function seedReceiver(secret, rawBody, headers) {
  const body = JSON.parse(rawBody); // express.json()
  const signature = headers["x-waqtor-signature"];
  const expectedSig = "sha256=" + crypto.createHmac("sha256", secret).update(JSON.stringify(body)).digest("hex");
  return signature === expectedSig ? 200 : 401;
}

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const vectors = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  for (const v of vectors) {
    const headers = {};
    for (const [k, val] of Object.entries(v.headers)) headers[k.toLowerCase()] = val;
    const tampered = v.body + " "; // other bytes, the same JSON
    const changed = JSON.stringify(Object.assign(JSON.parse(v.body), { tampered: true })); // other JSON
    const at = (s) => () => s * 1000;

    const signing = v.secrets.filter((s) => s.signs);
    const entries = headers["webhook-signature"] ? headers["webhook-signature"].split(" ") : [];
    check(entries.length === signing.length, v, `${entries.length} v1 entries for ${signing.length} active secrets`);
    check(headers["webhook-id"] === v.id && headers["webhook-timestamp"] === String(v.timestamp), v, "webhook-id/timestamp");
    for (const s of v.secrets) {
      const wh = s.format === "raw" ? new Webhook(s.value, { format: "raw" }) : new Webhook(s.value);
      Date.now = at(v.timestamp);
      const ok = !throws(() => wh.verify(v.body, headers));
      check(ok === s.signs, v, `standardwebhooks verify with secret ${s.value}: ${ok}, want ${s.signs}`);
      if (!s.signs) continue;
      check(entries.includes(wh.sign(v.id, new Date(v.timestamp * 1000), v.body)), v, "sign() entry missing");
      check(throws(() => wh.verify(tampered, headers)), v, "tampered body accepted");
      Date.now = at(v.timestamp + 5 * 60 + 1);
      check(throws(() => wh.verify(v.body, headers)), v, "stale timestamp accepted");
      Date.now = at(v.timestamp - 5 * 60 - 1);
      check(throws(() => wh.verify(v.body, headers)), v, "future timestamp accepted");
      Date.now = realNow;
    }

    const raw = "sha256=" + crypto.createHmac("sha256", v.waqtorSecret).update(v.body).digest("hex");
    check(raw === headers["x-waqtor-signature"], v, "X-Waqtor-Signature is not the HMAC of the raw body");
    const canonical = JSON.stringify(JSON.parse(v.body)) === v.body;
    check(canonical === v.canonical, v, `JSON.stringify(JSON.parse(body)) === body is ${canonical}`);
    check(seedReceiver(v.waqtorSecret, v.body, headers) === (v.canonical ? 200 : 401), v, "seed receiver answer");
    check(seedReceiver(v.waqtorSecret, changed, headers) === 401, v, "seed receiver took a tampered body");
    for (const s of v.secrets.filter((s) => s.value !== v.waqtorSecret)) {
      check(seedReceiver(s.value, v.body, headers) === 401, v, "seed receiver accepted another secret");
    }
  }
  process.stdout.write(JSON.stringify({ vectors: vectors.length, checks }));
});
