#!/usr/bin/env bash
# WaQtor's benchmarks. Each prints its own rate and a ratio against a baseline measured in the same run, so the
# figures mean something on any machine. Results and the machine they came from go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version)"
run() { go test -run '^$' -count "${COUNT:-1}" "$@" | grep -E '^(Benchmark|ok|FAIL)'; }
# Authenticated GET /api/me vs a bare net/http handler, both over loopback HTTP (target ratio >= 0.5).
run -bench 'BenchmarkAuthenticatedMe' -benchtime 20000x ./shared/httpapi
# Durable queue send+receive+delete vs a bare SQLite insert+delete loop (target ratio >= 0.5).
run -bench 'BenchmarkQueue' -benchtime 2s ./shared/sqlite
# Events/s through the standalone router (publish, match, enqueue, consume) on the in-memory and SQLite queues.
run -bench 'BenchmarkBus' -benchtime 20000x ./shared/eventbus
# EventBridge pattern matching.
run -bench 'BenchmarkMatch' -benchtime 1s ./shared/eventpattern
# Signed webhook deliveries/s through the durable standalone pipeline vs bare signed POSTs to the same receiver.
run -bench 'BenchmarkWebhookDelivery' -benchtime 3000x ./shared/runtime/standalone
# WhatsApp: sends/s through the full path (store, durable FIFO queue, session host, whatsmeow) vs whatsmeow's
# SendMessage called directly, both on the fake WhatsApp server; and resident memory per paired idle session.
run -bench 'BenchmarkSendThroughput' -benchtime 1x ./shared/whatsapp
run -bench 'BenchmarkIdleSessionMemory' -benchtime 1x ./shared/whatsapp
# Upload memory: the standalone binary's RSS during four concurrent ~93 MB send-media uploads (JSON base64 and
# multipart) against its idle RSS in the same run, and the ratio of the rise to the 150 MB budget.
go test -run 'TestUploadMemory' -count 1 -v ./session-host | grep -E 'upload_memory_test|^(ok|FAIL)'

# Live feed: one event broadcast to N WebSocket connections (p50/p99, memory per connection) vs a bare fan-out.
run -bench 'BenchmarkBroadcast' -benchtime 200x ./shared/wshub

# Live feed in standalone with the clients in another process: event-to-client latency (demo contact's message →
# socket read) next to the same message's webhook, then WAQTOR_REALTIME_CONNS concurrent connections (server RSS per
# connection, broadcast latency against one subscriber). The soft fd limit is raised for both processes (each holds
# one fd per connection; the hard limit here is 20,000).
( hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=65536; ulimit -n "$hard"; WAQTOR_REALTIME_CONNS="${WAQTOR_REALTIME_CONNS:-10000}" \
  go test -run 'TestRealtimeLoad' -count 1 -timeout 15m -v ./session-host | grep -E 'realtime_bench_test|^(ok|FAIL)' )
