import { defineConfig } from 'vitest/config';

// The unit tests (src/*.test.ts, fake sockets and timers) and the Node test against a real standalone binary
// (test/standalone.test.ts, WAQTOR_BIN or ../../build/waqtor), all on Node's own WebSocket.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
