// Prometheus itself, for tests of a /metrics answer: `promtool check metrics` parses the
// exposition from stdin as the server would and lints it (names, units, HELP, the _total
// suffix of counters), and a throwaway `prometheus` server scrapes a target for real.
// Debian's prometheus package brings both (scripts/setup.sh installs it).
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';
import { startProcess } from './process.ts';

export interface PromtoolVerdict {
  ok: boolean;
  /** What promtool said: parse errors and lint problems, one a line; '' when clean. */
  output: string;
}

/** Runs `promtool check metrics` on `exposition`; ok only when it parses and lints clean. */
export function promtoolCheckMetrics(exposition: string): Promise<PromtoolVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ ok: code === 0, output: output.trim() }));
    child.stdin.end(exposition);
  });
}

/**
 * The value of one sample, named as the exposition writes it (`name{a="b",c="d"}`, labels in
 * the order the metric declares them); null when the text has no such sample.
 */
export function sampleValue(exposition: string, series: string): number | null {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
  /** Sent as `Authorization: Bearer`; kept in a file of the server's, never in argv. */
  bearerToken?: string;
}

export interface TestPrometheus {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** An instant query's result vector (`/api/v1/query`). */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** A prometheus server on loopback scraping `targets` every second, its data in a temp dir. */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-prometheus-'));
  const jobs = await Promise.all(targets.map(async (target, i) => {
    const lines = [
      `  - job_name: ${JSON.stringify(target.job)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(target.address)}]`,
    ];
    if (target.bearerToken) {
      const file = join(dir, `token-${i}`);
      await writeFile(file, target.bearerToken, { mode: 0o600 });
      lines.push('    authorization:', `      credentials_file: ${JSON.stringify(file)}`);
    }
    return lines.join('\n');
  }));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${jobs.join('\n')}\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startProcess('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { removeOnStop: dir });
  await server.whenReady((async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('prometheus was not ready within 30 s');
  })());
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = await response.json() as {
        status: string;
        error?: string;
        data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
      return body.data!.result;
    },
    stop: () => server.stop(),
  };
}
