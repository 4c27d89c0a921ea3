// When the encoder tells systemd it is ready: on its first registration with the edge, or
// after the grace period when the edge does not answer (nginx is up either way).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportEncoderReadiness } from './main.ts';

const config = {
  edgeUrl: 'http://edge.example:8080',
  rtmp: { host: '0.0.0.0', port: 1935 },
  http: { host: '0.0.0.0', port: 8088 },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder() {
  const sent: string[] = [];
  return {
    sent,
    notify: {
      ready: (status: string) => (sent.push(`ready: ${status}`), Promise.resolve()),
      status: (status: string) => (sent.push(`status: ${status}`), Promise.resolve()),
    },
  };
}

test('registered within the grace period: READY=1 says so, and nothing more follows', async () => {
  const { sent, notify } = recorder();
  let register!: () => void;
  const registered = new Promise<void>((resolve) => (register = resolve));
  const readiness = reportEncoderReadiness({ registered, notify, config, graceMs: 200 });
  await sleep(20);
  assert.deepEqual(sent, [
    'status: nginx up (RTMP 0.0.0.0:1935, HLS 0.0.0.0:8088); registering with the edge http://edge.example:8080',
  ]);
  register();
  await sleep(300);
  assert.deepEqual(sent.slice(1), [
    'ready: nginx up (RTMP 0.0.0.0:1935, HLS 0.0.0.0:8088); registered with the edge http://edge.example:8080',
  ]);
  readiness.stop();
});

test('an edge that does not answer: READY=1 after the grace period, saying it waits; registered later', async () => {
  const { sent, notify } = recorder();
  let register!: () => void;
  const registered = new Promise<void>((resolve) => (register = resolve));
  const readiness = reportEncoderReadiness({ registered, notify, config, graceMs: 50 });
  await sleep(150);
  assert.equal(sent.length, 2);
  assert.match(
    sent[1]!,
    /^ready: nginx up .*; waiting for the edge http:\/\/edge\.example:8080: new publishes are refused/,
  );
  register();
  await sleep(20);
  assert.match(
    sent[2]!,
    /^ready: .*registered with the edge/,
    'a second ready() is a STATUS update',
  );
  readiness.stop();
});

test('stopped before either: nothing is reported as ready', async () => {
  const { sent, notify } = recorder();
  let register!: () => void;
  const registered = new Promise<void>((resolve) => (register = resolve));
  const readiness = reportEncoderReadiness({ registered, notify, config, graceMs: 30 });
  readiness.stop();
  register();
  await sleep(80);
  assert.equal(sent.length, 1);
  assert.match(sent[0]!, /^status: /);
});
