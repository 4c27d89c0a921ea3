// What a box of each role needs of this machine beyond its packages, read off its config:
// the ports its processes listen on, the directories they write, the capture sources
// whose elements must be there.
import type { RoomcastConfig } from '../config/schema.ts';
import type { CaptureKind, Role } from './catalogue.ts';
import type { DirNeed, Needs, PortNeed } from './doctor.ts';

type Sections = Pick<RoomcastConfig, 'edge' | 'encoder' | 'collector'>;

function portsOf(config: Sections, role: Role): PortNeed[] {
  const { edge, encoder, collector } = config;
  switch (role) {
    case 'edge':
      return [{ key: 'edge.listen.port', ...edge.listen }];
    case 'encoder':
      return [
        { key: 'encoder.rtmp.port', ...encoder.rtmp },
        { key: 'encoder.http.port', ...encoder.http },
        // The hook server listens on loopback only, whatever the other hosts are.
        { key: 'encoder.agentPort', host: '127.0.0.1', port: encoder.agentPort },
      ];
    case 'collector':
      return [{ key: 'collector.status.port', ...collector.status }];
    default:
      return [];
  }
}

function dirsOf(config: Sections, role: Role): DirNeed[] {
  switch (role) {
    case 'edge':
      return [{ key: 'edge.dataDir', path: config.edge.dataDir }];
    case 'encoder':
      return [{ key: 'encoder.workDir', path: config.encoder.workDir }];
    case 'collector':
      return [{ key: 'collector.recording.dir', path: config.collector.recording.dir }];
    default:
      return [];
  }
}

/** The capture kinds whose elements a collector with this config builds into its pipeline. */
function capturesOf(collector: Sections['collector']): CaptureKind[] {
  // Silent test audio is the test source's elements with the tone muted.
  const audio = collector.audio.kind === 'silent' ? 'test' : collector.audio.kind;
  return [...new Set<CaptureKind>([collector.source.kind, audio])];
}

export function needsOf(config: Sections, roles: readonly Role[]): Needs {
  // Each role has its own keys, so the lists need no de-duplication.
  return {
    roles,
    ...(roles.includes('collector') ? { captures: capturesOf(config.collector) } : {}),
    ports: roles.flatMap((role) => portsOf(config, role)),
    dirs: roles.flatMap((role) => dirsOf(config, role)),
  };
}
