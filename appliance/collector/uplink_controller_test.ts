import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryLogger } from '../../core/log.ts';
import {
  CONNECT_TIMEOUT_MS,
  createUplinkController,
  type IngestAnswer,
  LIVE_AFTER_BYTES,
  REFUSED_DELAYS_MS,
  RETRY_DELAYS_MS,
  STALL_MS,
  type UplinkControllerOptions,
} from './uplink_controller.ts';
import type { UplinkCounters, UplinkTarget } from './worker_protocol.ts';

const KEY = 'sk-7f3a9c21e0b4-main-hall';
const ENC1: IngestAnswer = {
  encoderNodeId: 'enc-1',
  host: 'enc-1.example.net',
  port: 1935,
  application: 'ingest',
};
const ENC2: IngestAnswer = {
  encoderNodeId: 'enc-2',
  host: 'enc-2.example.net',
  port: 1936,
  application: 'live',
};
const WINDOW = 65_536;
const T0 = Date.parse('2025-05-01T10:00:00.000Z');

/** Lets askIngest's promise and the code awaiting it run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A controller with a fake clock and fakes that record calls. `answer` is what the edge
 * says next (an Error makes askIngest reject).
 */
function harness(options: Partial<UplinkControllerOptions> = {}) {
  let clock = T0;
  let answer: IngestAnswer | Error = ENC1;
  const connects: Array<{ attempt: number; target: UplinkTarget; at: number }> = [];
  const disconnects: number[] = [];
  const asks: number[] = [];
  const log = createMemoryLogger('collector');
  const controller = createUplinkController({
    streamKey: KEY,
    askIngest: () => {
      asks.push(clock);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    connect: (attempt, target) => connects.push({ attempt, target, at: clock }),
    disconnect: (attempt) => disconnects.push(attempt),
    log,
    now: () => clock,
    ...options,
  });
  const advance = (ms: number) => {
    clock += ms;
    controller.tick();
  };
  const lastAttempt = (): number => {
    const last = connects.at(-1);
    assert.ok(last, 'expected a connect');
    return last.attempt;
  };
  const counters = (values: Partial<UplinkCounters> = {}, attempt = lastAttempt()) => {
    controller.onCounters({
      attempt,
      outBytes: 0,
      ackedBytes: 0,
      inBytes: 0,
      windowBytes: 0,
      ...values,
    });
  };
  return {
    controller,
    connects,
    disconnects,
    asks,
    log,
    get now() {
      return clock;
    },
    setAnswer(next: IngestAnswer | Error) {
      answer = next;
    },
    /** Moves the clock and ticks once. */
    advance,
    /** Moves the clock without ticking (for counters arriving between ticks). */
    wait(ms: number) {
      clock += ms;
    },
    lastAttempt,
    counters,
    /** Starts and waits until the first connect went out. */
    async started() {
      controller.start();
      await flush();
      assert.equal(connects.length, 1);
    },
    /** Counters that make the current attempt live (handshake answered, media out). */
    live(outBytes = LIVE_AFTER_BYTES) {
      counters({ outBytes, ackedBytes: 0, inBytes: 3_500, windowBytes: WINDOW });
      assert.equal(controller.snapshot().state, 'live');
    },
    /** Fails the current attempt with an ordinary error and lets the edge answer. */
    async failOnce(message = 'Connection reset by peer') {
      controller.onError(lastAttempt(), message);
      await flush();
    },
    /** Ticks up to one ms before `ms` and checks nothing connected, then ticks at `ms`. */
    expectRetryAfter(ms: number) {
      const before = connects.length;
      advance(ms - 1);
      assert.equal(connects.length, before, `no connect before ${ms} ms`);
      advance(1);
      assert.equal(connects.length, before + 1, `a connect at ${ms} ms`);
    },
  };
}

describe('start', () => {
  test('without a stream key it stays idle, says why, and never connects or asks', async () => {
    const h = harness({ streamKey: '' });
    h.controller.start();
    await flush();
    for (let i = 0; i < 40; i++) h.advance(250);
    h.controller.start();
    await flush();
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.state, 'idle');
    assert.match(snapshot.lastFailure ?? '', /no stream key/);
    assert.deepEqual(h.connects, []);
    assert.deepEqual(h.asks, []);
  });

  test('asks the edge first, then connects with host, port, application and key', async () => {
    const h = harness();
    h.controller.start();
    assert.equal(h.asks.length, 1);
    assert.equal(h.connects.length, 0, 'no connect before the edge answered');
    assert.equal(h.controller.snapshot().state, 'connecting');
    await flush();
    assert.deepEqual(h.connects, [{
      attempt: 1,
      target: { host: 'enc-1.example.net', port: 1935, application: 'ingest', streamKey: KEY },
      at: T0,
    }]);
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.state, 'connecting');
    assert.equal(snapshot.encoderNodeId, 'enc-1');
    assert.equal(snapshot.target, 'enc-1.example.net:1935');
    assert.equal(snapshot.reconnects, 0);
    assert.equal(snapshot.everLive, false);
    assert.equal(snapshot.lastFailure, null);
  });

  test('a second start while an attempt runs does not connect again', async () => {
    const h = harness();
    await h.started();
    h.controller.start();
    await flush();
    assert.equal(h.connects.length, 1);
    assert.equal(h.asks.length, 1);
  });

  test('when the edge cannot answer at first, it asks again every 750 ms until it can', async () => {
    const h = harness();
    h.setAnswer(new Error('edge unreachable'));
    h.controller.start();
    await flush();
    assert.equal(h.connects.length, 0);
    assert.equal(h.controller.snapshot().state, 'backoff');
    assert.match(h.controller.snapshot().lastFailure ?? '', /the edge did not say where to push/);
    const asked = h.asks.length;
    h.advance(749);
    assert.equal(h.asks.length, asked);
    h.advance(1);
    await flush();
    assert.equal(h.asks.length, asked + 1, 'asked again after 750 ms');
    assert.equal(h.connects.length, 0);
    h.setAnswer(ENC2);
    h.advance(750);
    await flush();
    assert.equal(h.connects.length, 0, 'the answer arrives after this tick decided');
    h.advance(750);
    assert.equal(h.connects.length, 1);
    assert.equal(h.connects[0]!.target.host, 'enc-2.example.net');
    assert.equal(h.controller.snapshot().reconnects, 0, 'no attempt had failed yet');
    // One warning for the whole outage and one line when it ends, not one per question.
    assert.equal(h.log.lines.filter((l) => l.includes('did not answer the ingest')).length, 1);
    assert.equal(
      h.log.lines.filter((l) => l.includes('answers the ingest question again')).length,
      1,
    );
  });

  test('without a node secret it stays idle with that reason, key or not', async () => {
    const h = harness({ unavailable: 'no node secret configured (collector.nodeSecret)' });
    h.controller.start();
    await flush();
    for (let i = 0; i < 20; i++) h.advance(250);
    assert.equal(h.controller.snapshot().state, 'idle');
    assert.equal(
      h.controller.snapshot().lastFailure,
      'no node secret configured (collector.nodeSecret)',
    );
    assert.deepEqual(h.asks, []);
    assert.deepEqual(h.connects, []);
  });
});

describe('live and bitrate', () => {
  test('live only once outBytes reaches LIVE_AFTER_BYTES', async () => {
    const h = harness();
    await h.started();
    h.counters({ outBytes: 3_000, inBytes: 3_073 });
    h.counters({ outBytes: LIVE_AFTER_BYTES - 1, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().state, 'connecting');
    assert.equal(h.controller.snapshot().everLive, false);
    h.counters({ outBytes: LIVE_AFTER_BYTES, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().state, 'live');
    assert.equal(h.controller.snapshot().everLive, true);
    assert.ok(h.log.lines.some((line) => line.includes('uplink live')));
  });

  test('bitrate comes from outBytes over at least one second', async () => {
    const h = harness();
    await h.started();
    h.live(100_000); // the rate window starts here
    h.wait(500);
    h.counters({ outBytes: 400_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 0, 'less than a second: not computed');
    h.wait(499);
    h.counters({ outBytes: 600_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 0, '999 ms: not computed');
    h.wait(1);
    // (1 100 000 − 100 000) B × 8 / 1000 / 1 s.
    h.counters({ outBytes: 1_100_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 8000);
    h.wait(500);
    h.counters({ outBytes: 5_000_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 8000, 'kept until the next full second');
    h.wait(1000);
    // 1.5 s after the 1 100 000 B sample: 1 500 000 B × 8 / 1000 / 1.5 s.
    h.counters({ outBytes: 2_600_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 8000);
    h.wait(2000);
    h.counters({ outBytes: 3_100_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 2000);

    await h.failOnce();
    assert.equal(h.controller.snapshot().bitrateKbps, 0, 'no bitrate after a failure');
    h.advance(250);
    h.live();
    h.wait(500);
    h.counters({ outBytes: 200_000, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().bitrateKbps, 0, 'nothing left from the last attempt');
  });

  test('no bitrate is shown while not live', async () => {
    const h = harness();
    await h.started();
    h.counters({ outBytes: 1_000, inBytes: 3_073 });
    h.wait(1000);
    h.counters({ outBytes: LIVE_AFTER_BYTES - 1, inBytes: 3_500 });
    assert.equal(h.controller.snapshot().state, 'connecting');
    assert.equal(h.controller.snapshot().bitrateKbps, 0);
  });
});

describe('errors and retries', () => {
  test('each error disconnects that attempt; retries after 250, 500, 750, 750 ms', async () => {
    const h = harness();
    await h.started();
    const delays = [250, 500, 750, 750];
    for (const [i, delay] of delays.entries()) {
      const attempt = h.lastAttempt();
      h.wait(100);
      await h.failOnce(`Connection reset by peer (${i})`);
      assert.deepEqual(h.disconnects.at(-1), attempt, 'the failed attempt is disconnected');
      const snapshot = h.controller.snapshot();
      assert.equal(snapshot.state, 'backoff');
      assert.equal(snapshot.lastFailure, `Connection reset by peer (${i})`);
      assert.equal(snapshot.lastFailureAt, new Date(h.now).toISOString());
      h.expectRetryAfter(delay);
      assert.equal(h.controller.snapshot().state, 'connecting');
      assert.equal(h.lastAttempt(), attempt + 1, 'every connect gets a new attempt id');
      assert.equal(h.controller.snapshot().reconnects, i + 1);
    }
    assert.deepEqual(h.disconnects, [1, 2, 3, 4]);
    assert.deepEqual(RETRY_DELAYS_MS, [250, 500, 750]);
  });

  test('after a live period the delays start again at 250 ms', async () => {
    const h = harness();
    await h.started();
    await h.failOnce();
    h.expectRetryAfter(250);
    await h.failOnce();
    h.expectRetryAfter(500);
    await h.failOnce();
    h.expectRetryAfter(750);
    h.live();
    h.wait(60_000);
    await h.failOnce('Broken pipe');
    assert.ok(h.log.lines.some((line) => line.includes('uplink lost; reconnecting')));
    h.expectRetryAfter(250);
    await h.failOnce();
    h.expectRetryAfter(500);
  });

  test('reconnects counts reconnect attempts after failures, not the first connect', async () => {
    const h = harness();
    await h.started();
    h.live();
    assert.equal(h.controller.snapshot().reconnects, 0);
    await h.failOnce();
    assert.equal(h.controller.snapshot().reconnects, 0, 'counted when the attempt is made');
    h.advance(250);
    assert.equal(h.controller.snapshot().reconnects, 1);
    h.live();
    await h.failOnce();
    h.advance(250);
    await h.failOnce();
    h.advance(500);
    assert.equal(h.controller.snapshot().reconnects, 3);
    assert.equal(h.connects.length, 4);
  });

  test('every failure asks the edge again before the retry', async () => {
    const h = harness();
    await h.started();
    assert.equal(h.asks.length, 1);
    await h.failOnce();
    assert.equal(h.asks.length, 2);
    h.advance(250);
    h.counters({ outBytes: 3_500, inBytes: 3_073 });
    h.advance(CONNECT_TIMEOUT_MS + 1);
    await flush();
    assert.equal(h.asks.length, 3);
  });
});

describe('frozen uplink', () => {
  /** Live at `h.now`, with acked bytes following outBytes until this point. */
  async function liveHarness() {
    const h = harness();
    await h.started();
    h.live();
    return h;
  }

  test('acks stop while more than a window is out: fails after STALL_MS', async () => {
    const h = await liveHarness();
    // 4 Mbit/s; acks arrive a round trip behind, so more than a window is always out.
    let out = LIVE_AFTER_BYTES;
    let acked = 0;
    for (let i = 0; i < 8; i++) {
      out += 125_000;
      acked = out - WINDOW - 20_000;
      h.wait(250);
      h.counters({ outBytes: out, ackedBytes: acked, inBytes: 3_500, windowBytes: WINDOW });
      h.advance(0);
    }
    const lastAckAt = h.now;
    // Acks stop; the kernel still takes our writes.
    for (let elapsed = 250; elapsed <= STALL_MS; elapsed += 250) {
      out += 125_000;
      h.wait(250);
      h.counters({ outBytes: out, ackedBytes: acked, inBytes: 3_500, windowBytes: WINDOW });
      h.advance(0);
      assert.equal(h.controller.snapshot().state, 'live', `still live after ${elapsed} ms`);
    }
    assert.equal(h.now - lastAckAt, STALL_MS);
    h.advance(1);
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.state, 'backoff');
    assert.match(snapshot.lastFailure ?? '', /stopped acknowledging/);
    assert.deepEqual(h.disconnects, [1]);
    h.expectRetryAfter(250);
  });

  test('a slow uplink whose acks keep coming is not frozen', async () => {
    const h = await liveHarness();
    // The link is full: always more than a window outstanding, one ack every 1.5 s.
    let out = LIVE_AFTER_BYTES;
    let acked = 0;
    for (let ms = 250; ms <= 30_000; ms += 250) {
      out += 30_000;
      if (ms % 1500 === 0) acked = out - 2 * WINDOW;
      h.wait(250);
      h.counters({ outBytes: out, ackedBytes: acked, inBytes: 3_500, windowBytes: WINDOW });
      h.advance(0);
      assert.ok(out - acked > WINDOW || ms < 1500);
    }
    assert.equal(h.controller.snapshot().state, 'live');
    assert.deepEqual(h.disconnects, []);
  });

  test('a low bitrate (a window takes longer than STALL_MS to fill) is not frozen', async () => {
    const h = await liveHarness();
    // 100 kbit/s: 12 500 B/s, so the encoder acks about every 5 s. Unacknowledged bytes
    // exceed the window for the round trip before each ack.
    let out = LIVE_AFTER_BYTES;
    let acked = 0;
    let ackDueAt: number | null = null;
    for (let ms = 100; ms <= 60_000; ms += 100) {
      out += 1_250;
      h.wait(100);
      if (ackDueAt === null && out - acked > WINDOW) ackDueAt = h.now + 300;
      if (ackDueAt !== null && h.now >= ackDueAt) {
        acked = out;
        ackDueAt = null;
      }
      h.counters({ outBytes: out, ackedBytes: acked, inBytes: 3_500, windowBytes: WINDOW });
      h.advance(0);
      assert.equal(h.controller.snapshot().state, 'live', `live at ${ms} ms`);
    }
    assert.ok(acked > 10 * WINDOW, 'the scenario acknowledged many windows');
  });

  test('at a low bitrate, STALL_MS counts from when a window became outstanding', async () => {
    const h = await liveHarness();
    // Acknowledged at 0 ms; 1 250 B per 100 ms, so a window is outstanding from ~4 s on.
    let out = LIVE_AFTER_BYTES;
    h.counters({ outBytes: out, ackedBytes: out, inBytes: 3_500, windowBytes: WINDOW });
    let overSince: number | null = null;
    while (h.controller.snapshot().state === 'live') {
      out += 1_250;
      h.wait(100);
      h.counters({
        outBytes: out,
        ackedBytes: LIVE_AFTER_BYTES,
        inBytes: 3_500,
        windowBytes: WINDOW,
      });
      if (overSince === null && out - LIVE_AFTER_BYTES > WINDOW) overSince = h.now;
      h.advance(0);
      assert.ok(h.now < T0 + 20_000, 'a frozen low-bitrate uplink must fail');
    }
    assert.ok(overSince !== null);
    // Failed at the first 100 ms step more than STALL_MS after the window was out.
    assert.equal(h.now - overSince, STALL_MS + 100);
    assert.match(h.controller.snapshot().lastFailure ?? '', /stopped acknowledging/);
  });

  test('an idle uplink with less than a window unacknowledged is not frozen', async () => {
    const h = await liveHarness();
    h.counters({
      outBytes: LIVE_AFTER_BYTES + WINDOW,
      ackedBytes: LIVE_AFTER_BYTES,
      inBytes: 3_500,
      windowBytes: WINDOW,
    });
    for (let ms = 0; ms < 30_000; ms += 250) h.advance(250);
    assert.equal(h.controller.snapshot().state, 'live');
    assert.deepEqual(h.disconnects, []);
  });

  test('without an announced window it assumes 64 KiB', async () => {
    for (const [unacked, state] of [[WINDOW, 'live'], [WINDOW + 1, 'backoff']] as const) {
      const h = await liveHarness();
      h.counters({ outBytes: LIVE_AFTER_BYTES + unacked, ackedBytes: LIVE_AFTER_BYTES });
      h.advance(STALL_MS + 1);
      assert.equal(h.controller.snapshot().state, state, `${unacked} B unacknowledged`);
    }
  });

  test('an announced window larger than 64 KiB is respected', async () => {
    const h = await liveHarness();
    h.counters({
      outBytes: 2_000_000,
      ackedBytes: 1_000_000,
      inBytes: 3_500,
      windowBytes: 2_500_000,
    });
    h.advance(10_000);
    assert.equal(h.controller.snapshot().state, 'live');
  });
});

describe('connect timeout', () => {
  test('not live within CONNECT_TIMEOUT_MS fails the attempt', async () => {
    const h = harness();
    await h.started();
    h.counters({ outBytes: 3_500, inBytes: 0 });
    h.advance(CONNECT_TIMEOUT_MS);
    assert.equal(h.controller.snapshot().state, 'connecting');
    h.advance(1);
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.state, 'backoff');
    assert.match(snapshot.lastFailure ?? '', /no connection to the encoder within 4 s/);
    assert.deepEqual(h.disconnects, [1]);
    await flush();
    h.expectRetryAfter(250);
  });

  test('a live attempt never times out', async () => {
    const h = harness();
    await h.started();
    h.live();
    let out = LIVE_AFTER_BYTES;
    for (let ms = 0; ms < 3 * CONNECT_TIMEOUT_MS; ms += 250) {
      out += 10_000;
      h.wait(250);
      h.counters({ outBytes: out, ackedBytes: out, inBytes: 3_500, windowBytes: WINDOW });
      h.advance(0);
    }
    assert.equal(h.controller.snapshot().state, 'live');
    assert.deepEqual(h.disconnects, []);
  });
});

describe('refused', () => {
  /** The server answered the handshake, then closed during publish setup. */
  function refuse(h: ReturnType<typeof harness>, message = 'Connection closed by remote peer') {
    h.counters({ outBytes: 3_800, inBytes: 3_073 });
    h.controller.onError(h.lastAttempt(), message);
  }

  test('closed after the server answered and before live: refused, retried after 5 s', async () => {
    const h = harness();
    await h.started();
    refuse(h);
    await flush();
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.state, 'refused');
    assert.match(snapshot.lastFailure ?? '', /refused the stream/);
    assert.match(snapshot.lastFailure ?? '', /Connection closed by remote peer/);
    assert.deepEqual(h.disconnects, [1]);
    h.expectRetryAfter(5000);
    assert.equal(h.controller.snapshot().state, 'connecting');
  });

  test('repeated refusals wait 5, 10, 30, 30 s; a live period starts over', async () => {
    const h = harness();
    await h.started();
    for (const delay of [5000, 10_000, 30_000, 30_000]) {
      refuse(h);
      await flush();
      assert.equal(h.controller.snapshot().state, 'refused');
      h.expectRetryAfter(delay);
    }
    assert.deepEqual(REFUSED_DELAYS_MS, [5000, 10_000, 30_000]);
    assert.equal(h.controller.snapshot().reconnects, 4);
    h.live();
    await h.failOnce();
    h.expectRetryAfter(250);
    refuse(h);
    await flush();
    h.expectRetryAfter(5000);
  });

  for (
    const message of [
      'Could not connect to enc-1.example.net:1935: ECONNREFUSED',
      'Connection refused',
      'Connection timed out',
      'Timeout while waiting for server response',
      'Could not resolve host',
      'Network is unreachable',
    ]
  ) {
    test(`"${message}" is an ordinary failure, not a refusal`, async () => {
      const h = harness();
      await h.started();
      refuse(h, message);
      await flush();
      assert.equal(h.controller.snapshot().state, 'backoff');
      assert.equal(h.controller.snapshot().lastFailure, message);
      h.expectRetryAfter(250);
    });
  }

  test('an error before the server said anything is not a refusal', async () => {
    const h = harness();
    await h.started();
    h.counters({ outBytes: 1_537, inBytes: 0 });
    await h.failOnce('Connection closed by remote peer');
    assert.equal(h.controller.snapshot().state, 'backoff');
  });

  test('an error without any counters is not a refusal', async () => {
    const h = harness();
    await h.started();
    await h.failOnce('Connection closed by remote peer');
    assert.equal(h.controller.snapshot().state, 'backoff');
  });

  test('a connection closed after live is a loss, not a refusal', async () => {
    const h = harness();
    await h.started();
    h.live();
    await h.failOnce('Connection closed by remote peer');
    assert.equal(h.controller.snapshot().state, 'backoff');
    h.expectRetryAfter(250);
  });
});

describe('where to connect', () => {
  test('the edge assigning another encoder after a failure moves the next connect', async () => {
    const h = harness();
    await h.started();
    h.live();
    h.setAnswer(ENC2);
    await h.failOnce();
    h.expectRetryAfter(250);
    assert.deepEqual(h.connects[1]!.target, {
      host: 'enc-2.example.net',
      port: 1936,
      application: 'live',
      streamKey: KEY,
    });
    const snapshot = h.controller.snapshot();
    assert.equal(snapshot.encoderNodeId, 'enc-2');
    assert.equal(snapshot.target, 'enc-2.example.net:1936');
    assert.ok(
      h.log.lines.some((line) =>
        line.includes('the edge assigned an encoder') && line.includes('encoder=enc-2')
      ),
    );
  });

  test('askIngest failing keeps the previous target', async () => {
    const h = harness();
    await h.started();
    h.setAnswer(new Error('edge unreachable'));
    await h.failOnce();
    assert.equal(h.asks.length, 2);
    h.expectRetryAfter(250);
    assert.deepEqual(h.connects[1]!.target, h.connects[0]!.target);
    assert.equal(h.controller.snapshot().encoderNodeId, 'enc-1');
    assert.equal(h.controller.snapshot().lastFailure, 'Connection reset by peer');
    assert.ok(
      h.log.lines.some((line) =>
        line.includes('the edge did not answer the ingest question') &&
        line.includes('edge unreachable')
      ),
    );
  });
});

describe('attempts, worker and stop', () => {
  test('counters and errors of an old attempt are ignored', async () => {
    const h = harness();
    await h.started();
    await h.failOnce();
    h.advance(250);
    assert.equal(h.lastAttempt(), 2);
    h.counters({ outBytes: 10 * LIVE_AFTER_BYTES, inBytes: 3_500 }, 1);
    assert.equal(h.controller.snapshot().state, 'connecting');
    h.controller.onError(1, 'late error from attempt 1');
    await flush();
    assert.equal(h.controller.snapshot().state, 'connecting');
    assert.equal(h.controller.snapshot().lastFailure, 'Connection reset by peer');
    assert.deepEqual(h.disconnects, [1]);
    assert.equal(h.asks.length, 2);
    // Attempt 2 still works normally.
    h.live();
    h.controller.onError(1, 'another late error');
    assert.equal(h.controller.snapshot().state, 'live');
  });

  test('onWorkerGone waits for start, which reconnects at once, without disconnect', async () => {
    const h = harness();
    await h.started();
    h.live();
    h.wait(1500);
    h.counters({ outBytes: 1_000_000, inBytes: 3_500, windowBytes: WINDOW });
    assert.ok(h.controller.snapshot().bitrateKbps > 0);
    h.controller.onWorkerGone();
    assert.equal(h.controller.snapshot().state, 'connecting');
    assert.equal(h.controller.snapshot().bitrateKbps, 0);
    for (let i = 0; i < 40; i++) h.advance(250);
    assert.equal(h.connects.length, 1, 'no connect until the new worker is ready');
    h.controller.start();
    assert.equal(h.connects.length, 2, 'connects synchronously, from the known target');
    assert.equal(h.connects[1]!.at, h.now);
    assert.deepEqual(h.connects[1]!.target, h.connects[0]!.target);
    assert.deepEqual(h.disconnects, [], 'the worker took its connection with it');
    // Counters for the new attempt count; a stale one from the dead worker does not.
    h.counters({ outBytes: LIVE_AFTER_BYTES, inBytes: 3_500 }, 1);
    assert.equal(h.controller.snapshot().state, 'connecting');
    h.live();
  });

  test('onWorkerGone during backoff drops the pending retry; start connects at once', async () => {
    const h = harness();
    await h.started();
    await h.failOnce();
    await h.failOnce(); // ignored: attempt 1 is already over
    h.controller.onWorkerGone();
    h.advance(5000);
    assert.equal(h.connects.length, 1);
    h.controller.start();
    assert.equal(h.connects.length, 2);
    assert.equal(h.controller.snapshot().state, 'connecting');
  });

  test('stop disconnects the live attempt and never connects again', async () => {
    const h = harness();
    await h.started();
    h.live();
    h.controller.stop();
    assert.deepEqual(h.disconnects, [1]);
    assert.equal(h.controller.snapshot().state, 'idle');
    h.controller.start();
    await flush();
    h.controller.onWorkerGone();
    h.controller.start();
    for (let i = 0; i < 200; i++) h.advance(250);
    await flush();
    assert.equal(h.connects.length, 1);
    assert.equal(h.controller.snapshot().state, 'idle');
  });

  test('stop during backoff cancels the retry', async () => {
    const h = harness();
    await h.started();
    await h.failOnce();
    h.controller.stop();
    assert.deepEqual(h.disconnects, [1], 'nothing more to disconnect');
    for (let i = 0; i < 40; i++) h.advance(250);
    assert.equal(h.connects.length, 1);
  });

  test('stop while the edge is still being asked: the answer does not connect', async () => {
    const h = harness();
    h.controller.start();
    h.controller.stop();
    await flush();
    for (let i = 0; i < 40; i++) h.advance(250);
    assert.deepEqual(h.connects, []);
    assert.equal(h.controller.snapshot().state, 'idle');
  });
});

test('the stream key never appears in a log line', async () => {
  const h = harness();
  await h.started();
  h.live();
  h.setAnswer(ENC2);
  await h.failOnce(); // lost, edge moves us
  h.advance(250);
  h.counters({ outBytes: 3_800, inBytes: 3_073 });
  await h.failOnce('Connection closed by remote peer'); // refused
  h.setAnswer(new Error('edge unreachable'));
  h.advance(5000);
  h.advance(CONNECT_TIMEOUT_MS + 1); // timeout
  await flush();
  h.setAnswer(ENC1);
  h.advance(500);
  h.live();
  h.counters({ outBytes: LIVE_AFTER_BYTES + 4 * WINDOW, inBytes: 3_500, windowBytes: WINDOW });
  h.advance(STALL_MS + 1); // frozen
  await flush();
  h.controller.onWorkerGone();
  h.controller.start();
  h.controller.stop();
  const text = h.log.lines.join('\n');
  for (
    const expected of [
      'uplink live',
      'uplink lost',
      'refused',
      'no connection to the encoder',
      'stopped acknowledging',
      'did not answer',
      'assigned an encoder',
    ]
  ) {
    assert.ok(text.includes(expected), `the scenario logged "${expected}"`);
  }
  assert.ok(!text.includes(KEY), 'the key is not in the log');
  assert.ok(!JSON.stringify(h.controller.snapshot()).includes(KEY));
});
