// A WaQtor webhook receiver in the seed's style: it checks X-Waqtor-Signature, "sha256=" + the hex HMAC-SHA256
// of JSON.stringify(body) keyed with the whole secret. WaQtor sends bodies exactly as JSON.stringify writes them,
// so this works; hashing the raw bytes (rawBody) instead is just as good and does not depend on it.
// Node's built-in modules only. Run: WEBHOOK_SECRET=whsec_... PORT=3000 node receiver-seed.js
"use strict";
const crypto = require("node:crypto");
const http = require("node:http");

const WEBHOOK_SECRET = process.env.WEBHOOK_SECRET;
const HOST = process.env.HOST || "0.0.0.0";
const PORT = Number(process.env.PORT || 3000);
if (!WEBHOOK_SECRET) {
  console.error("set WEBHOOK_SECRET");
  process.exit(2);
}

function reply(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function handle(req, res, rawBody) {
  let body;
  try {
    body = JSON.parse(rawBody.toString("utf8")); // what express.json() does
  } catch {
    return reply(res, 400, { error: "Invalid JSON" });
  }
  const signature = req.headers["x-waqtor-signature"] || "";
  const expectedSig =
    "sha256=" + crypto.createHmac("sha256", WEBHOOK_SECRET).update(JSON.stringify(body)).digest("hex");
  const a = Buffer.from(signature);
  const b = Buffer.from(expectedSig);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    return reply(res, 401, { error: "Invalid signature" });
  }

  const { event, data } = body;
  switch (event) {
    case "message_received":
      console.log("New message from:", data.from);
      break;
    case "campaign_completed":
      console.log("Campaign completed:", data.campaignId, "sent:", data.sent);
      break;
    default:
      console.log("Event:", event);
  }
  reply(res, 200, { received: true });
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST") return reply(res, 405, { error: "POST only" });
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => handle(req, res, Buffer.concat(chunks)));
});
server.listen(PORT, HOST, () => console.log(`listening on ${HOST}:${server.address().port}`));
