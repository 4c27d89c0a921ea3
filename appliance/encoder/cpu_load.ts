// CPU busy share of the whole machine since the last sample (0..1 over all cores), for
// the heartbeat: the edge assigns new rooms to the least-loaded encoder.
import { cpus } from 'node:os';

interface Totals {
  idle: number;
  total: number;
}

function totals(): Totals {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle: cpuIdle } = cpu.times;
    idle += cpuIdle;
    total += user + nice + sys + irq + cpuIdle;
  }
  return { idle, total };
}

export function createCpuLoadSampler(): () => number {
  let last = totals();
  return () => {
    const now = totals();
    const total = now.total - last.total;
    const busy = total - (now.idle - last.idle);
    last = now;
    if (total <= 0) return 0;
    return Math.min(1, Math.max(0, busy / total));
  };
}
