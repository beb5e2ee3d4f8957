// A WaQtor webhook receiver using Standard Webhooks (https://www.standardwebhooks.com) with its npm package:
// it checks webhook-signature over "webhook-id.webhook-timestamp.body", refuses timestamps more than 5 minutes
// off (replay protection) and ignores a webhook-id it has already handled (retries and replays reuse it).
// Run: npm install standardwebhooks; WEBHOOK_SECRET=whsec_... PORT=3000 node receiver-standard.js
"use strict";
const http = require("node:http");
const { Webhook } = require("standardwebhooks");

const HOST = process.env.HOST || "0.0.0.0";
const PORT = Number(process.env.PORT || 3000);
// A secret you chose without the whsec_ prefix is used as raw bytes: new Webhook(secret, { format: "raw" }).
const secret = process.env.WEBHOOK_SECRET || "";
const wh = secret.startsWith("whsec_") ? new Webhook(secret) : new Webhook(secret, { format: "raw" });
const seen = new Set(); // use your database in production: webhook-id is unique per delivery

function reply(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST") return reply(res, 405, { error: "POST only" });
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8"); // verify the raw body, before any parsing
    let payload;
    try {
      payload = wh.verify(raw, req.headers);
    } catch (err) {
      return reply(res, 401, { error: err.message });
    }
    const id = req.headers["webhook-id"];
    if (seen.has(id)) return reply(res, 200, { received: true, duplicate: true });
    seen.add(id);
    console.log(`${payload.event} #${req.headers["x-waqtor-sequence"]} (${id})`);
    reply(res, 200, { received: true, duplicate: false });
  });
});
server.listen(PORT, HOST, () => console.log(`listening on ${HOST}:${server.address().port}`));
