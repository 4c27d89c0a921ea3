import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusLine } from './main.ts';

test("systemd's STATUS= line: the checks when ok, else the state and what fails", () => {
  const checks = [
    { name: 'agent', ok: true, detail: 'answers (pid 7)' },
    { name: 'nginx', ok: true, detail: 'answers /health' },
  ];
  assert.equal(
    statusLine({ state: 'ok', checks, actions: [], escalated: [] }),
    'ok: agent, nginx',
  );
  const failing = [...checks, {
    name: 'room:hall',
    ok: false,
    detail: 'no new segment: 360p 9.0 s',
  }];
  assert.equal(
    statusLine({ state: 'degraded', checks: failing, actions: [], escalated: [] }),
    'degraded; room:hall: no new segment: 360p 9.0 s',
  );
  assert.equal(
    statusLine({
      state: 'escalated',
      checks: failing,
      actions: [],
      escalated: [{ target: 'room:hall', reason: 'x', since: '2026-11-21T10:00:00.000Z' }],
    }),
    'ESCALATED (room:hall); room:hall: no new segment: 360p 9.0 s',
  );
});
