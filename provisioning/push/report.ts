// The end of `roomcast push`: one line per box (changed / unchanged / failed and why),
// the diffs when asked, and counts; or one JSON document for scripts. Reports carry file
// names and masked diffs only, never a secret.
import type { HostReport } from './push.ts';

export interface PushSummary {
  event: string;
  dryRun: boolean;
  hosts: HostReport[];
  changed: number;
  unchanged: number;
  failed: number;
}

export function summarize(event: string, dryRun: boolean, hosts: HostReport[]): PushSummary {
  const count = (outcome: HostReport['outcome']) =>
    hosts.filter((h) => h.outcome === outcome).length;
  return {
    event,
    dryRun,
    hosts,
    changed: count('changed'),
    unchanged: count('unchanged'),
    failed: count('failed'),
  };
}

function changedFiles(report: HostReport): string {
  return report.files.filter((file) => file.change !== 'unchanged').map((file) =>
    file.change === 'changed'
      ? file.path
      : `${file.path} (${file.change === 'new' ? 'new' : 'mode'})`
  ).join(', ');
}

function outcomeText(report: HostReport, dryRun: boolean): string {
  switch (report.outcome) {
    case 'unchanged':
      return 'unchanged';
    case 'changed':
      if (dryRun) return `would change: ${changedFiles(report)}`;
      return `changed: ${changedFiles(report)}; restarted, active${
        report.status ? ` (${report.status})` : ''
      }`;
    default:
      return `failed: ${report.reason ?? 'unknown reason'}`;
  }
}

export function summaryText(summary: PushSummary): string {
  const { hosts, dryRun } = summary;
  const what = (h: HostReport) => `${h.kind}${h.rooms.length ? ` ${h.rooms.join(',')}` : ''}`;
  const hostWidth = Math.max(...hosts.map((h) => h.host.length));
  const whatWidth = Math.max(...hosts.map((h) => what(h).length));
  const diffs = hosts.filter((h) => h.diff).map((h) => `${h.host}:\n${h.diff}\n`);
  return [
    ...diffs,
    dryRun ? `dry run of ${summary.event} (nothing was changed):` : `pushed ${summary.event}:`,
    ...hosts.map((h) =>
      `  ${h.host.padEnd(hostWidth)}  ${what(h).padEnd(whatWidth)}  ${outcomeText(h, dryRun)}`
    ),
    `${summary.changed} ${
      dryRun ? 'would change' : 'changed'
    }, ${summary.unchanged} unchanged, ${summary.failed} failed`,
  ].join('\n');
}
