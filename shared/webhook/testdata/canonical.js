// Reads a JSON array of base64 documents on stdin and writes, for each, what JSON.stringify(JSON.parse(doc))
// returns (base64 of its UTF-8 bytes) or null when JSON.parse throws. The Go test compares Canonical with it.
"use strict";
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const docs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const out = docs.map((b64) => {
    const text = Buffer.from(b64, "base64").toString("utf8");
    let v;
    try {
      v = JSON.parse(text);
    } catch {
      return null;
    }
    return Buffer.from(JSON.stringify(v), "utf8").toString("base64");
  });
  process.stdout.write(JSON.stringify(out));
});
