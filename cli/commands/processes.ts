// Commands that run a roomcast process or work on this machine's own config and data:
// edge, redis-bridge, encoder, collector, watchdog, demo, config check, admin bootstrap.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { createLogger, type Logger } from '../../core/log.ts';
import {
  createServiceNotifier,
  type ServiceNotifier,
  takeNotifySocket,
} from '../../core/systemd/notify.ts';
import type { RoomcastConfig } from '../../core/config/schema.ts';
import { SOFTWARE_VERSION } from '../../core/version.ts';
import { runEdgeOnNode } from '../../edge/main_node.ts';
import { nodeFiles } from '../../edge/main_node.ts';
import { startEdge } from '../../edge/start.ts';
import { runRedisBridge } from '../../edge/redis_bridge/main.ts';
import { runCollector } from '../../appliance/collector/main.ts';
import { runEncoder } from '../../appliance/encoder/main.ts';
import { runWatchdog } from '../../appliance/watchdog/main.ts';
import { BOX_ROLES, type Role } from '../../core/requirements/catalogue.ts';
import { needsOf } from '../../core/requirements/box_needs.ts';
import {
  assertReadyToRun,
  EXIT_MISSING_REQUIREMENTS,
  MissingRequirementsError,
  problemLines,
} from '../../core/requirements/doctor.ts';
import { CliError, type Command } from '../command.ts';
import { runDemo } from '../demo.ts';
import { readSecret } from '../secret_input.ts';
import { isSecretKey } from '../../core/config/schema.ts';
import { publishDecisionSchema, WIRE_VERSION } from '../../core/wire/contracts.ts';
import { createNodeClient } from '../../core/wire/node_client.ts';
import { z } from 'zod';

function processLogger(config: RoomcastConfig, component: string): Logger {
  return createLogger({ component, level: config.log.level, json: config.log.json });
}

/**
 * READY=1, STATUS and STOPPING=1 for a systemd Type=notify unit; silent outside one. Taken
 * before anything starts a child, so no child inherits NOTIFY_SOCKET.
 */
function serviceNotifier(log: Logger): ServiceNotifier {
  return createServiceNotifier({ socket: takeNotifySocket(process.env), log });
}

/** Resolves on SIGINT/SIGTERM, so a process command can stop cleanly. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * Calls `onLine` for each line typed on stdin. An stdin that is closed or /dev/null (a
 * service, a CI job) simply never calls it; close() stops reading so the process can exit.
 */
function onInputLines(onLine: (line: string) => void): { close(): void } {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', onLine);
  return { close: () => lines.close() };
}

/**
 * The doctor's checks for the roles this process plays, before it starts anything: a
 * missing package, a port in use or a directory it cannot write stops it with one line
 * per problem naming the fix, instead of a child that fails and is restarted forever.
 */
async function refuseUnlessReady(
  component: string,
  roles: readonly Role[],
  config: RoomcastConfig,
  notify?: ServiceNotifier,
): Promise<void> {
  try {
    await assertReadyToRun(component, needsOf(config, roles));
  } catch (error) {
    if (!(error instanceof MissingRequirementsError)) throw error;
    await notify?.status(`cannot start: ${problemLines(error.report)[0] ?? ''}`);
    throw new CliError(error.message, EXIT_MISSING_REQUIREMENTS);
  }
}

const bootstrapFromEnv = () => ({
  email: process.env.ROOMCAST_BOOTSTRAP_ADMIN_EMAIL,
  password: process.env.ROOMCAST_BOOTSTRAP_ADMIN_PASSWORD,
});

/** Every key with secrets replaced, for printing a resolved config. */
function hideSecrets(value: unknown, path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, i) => hideSecrets(item, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => {
        const child = path ? `${path}.${key}` : key;
        return [
          key,
          typeof inner === 'string' && inner && isSecretKey(child)
            ? '(hidden)'
            : hideSecrets(inner, child),
        ];
      }),
    );
  }
  return value;
}

export const processCommands: Command[] = [
  {
    name: 'edge',
    summary: 'Run the edge control plane (HTTP API, registry, auth) on Node.',
    details: 'On first start it creates the database, a cluster secret and the first admin ' +
      '(ROOMCAST_BOOTSTRAP_ADMIN_EMAIL/_PASSWORD, or admin@localhost with a token-only login written to <dataDir>/admin-token).',
    async run(ctx) {
      const config = await ctx.config();
      const log = processLogger(config, 'edge');
      const notify = serviceNotifier(log);
      const edge = await runEdgeOnNode(config, log, bootstrapFromEnv());
      // runEdgeOnNode resolves once the HTTP server listens.
      void notify.ready(`listening on http://${config.edge.listen.host}:${edge.port}`);
      const signal = await untilSignal();
      log.info(`${signal}: stopping`);
      const told = notify.stopping(`${signal}: stopping`);
      await edge.stop();
      await told;
    },
  },
  {
    name: 'redis-bridge',
    summary:
      'Run the Upstash-REST-compatible bridge to a Redis server (for several edges without Upstash).',
    async run(ctx) {
      const config = await ctx.config();
      const log = processLogger(config, 'redis-bridge');
      let bridge;
      try {
        bridge = await runRedisBridge(config.redisBridge, log);
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const signal = await untilSignal();
      log.info(`${signal}: stopping`);
      await bridge.close();
    },
  },
  {
    name: 'encoder',
    summary:
      'Run a cloud encoder node: nginx-rtmp ingest, hook relay to the edge, HLS ladder per room.',
    details:
      'Uses the encoder section of the config; encoder.nodeSecret (ROOMCAST_ENCODER_NODE_SECRET) ' +
      'comes from `roomcast node add NAME --kind encoder`. nginx and ffmpeg are started and ' +
      'supervised by this process; nothing needs editing by hand.',
    async run(ctx) {
      const config = await ctx.config();
      const log = processLogger(config, 'encoder');
      const notify = serviceNotifier(log);
      await refuseUnlessReady('encoder', ['encoder'], config, notify);
      let agent;
      try {
        agent = await runEncoder(config.encoder, log, { notify });
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const signal = await untilSignal();
      log.info(`${signal}: stopping`);
      const told = notify.stopping(`${signal}: stopping the ladders and nginx`);
      await agent.stop();
      await told;
    },
  },
  {
    name: 'collector',
    summary:
      'Run a venue collector box: capture, light encode, RTMP uplink, local recording, status page.',
    details: 'Uses the collector section of the config. collector.nodeSecret ' +
      '(ROOMCAST_COLLECTOR_NODE_SECRET) comes from `roomcast node add NAME --kind collector`, ' +
      "collector.streamKey (ROOMCAST_COLLECTOR_STREAM_KEY) from the room's keys. Without them " +
      'the box still records locally and shows its status page.',
    async run(ctx) {
      const config = await ctx.config();
      const log = processLogger(config, 'collector');
      const notify = serviceNotifier(log);
      await refuseUnlessReady('collector', ['collector'], config, notify);
      let collector;
      try {
        collector = await runCollector(config.collector, log, { notify });
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const signal = await untilSignal();
      log.info(`${signal}: stopping`);
      const told = notify.stopping(`${signal}: stopping the pipeline, finishing the recording`);
      await collector.stop();
      await told;
    },
  },
  {
    name: 'watchdog',
    summary:
      "Watch this box's encoder or collector: restart what is stuck, escalate, report to the edge.",
    usage: 'encoder|collector',
    arity: 1,
    details: 'Uses the watchdog section of the config and the named section for where to look ' +
      '(the agent port and HLS server, or the status page) and for the node id and secret ' +
      'its reports to the edge are signed with. Unit restarts go through systemctl; ' +
      'systemd/roomcast-watchdog@.service runs it as root for that.',
    async run(ctx) {
      const kind = ctx.args[0];
      if (kind !== 'encoder' && kind !== 'collector') {
        throw new CliError(`watchdog watches an 'encoder' or a 'collector', not '${kind}'`, 2);
      }
      const config = await ctx.config();
      const log = processLogger(config, 'watchdog');
      const notify = serviceNotifier(log);
      const watchdog = await runWatchdog({ kind, config, log, notify });
      const signal = await untilSignal();
      log.info(`${signal}: stopping`);
      const told = notify.stopping(`${signal}: stopping`);
      await watchdog.stop();
      await told;
    },
  },
  {
    name: 'config check',
    summary: 'Validate the config (file + ROOMCAST_* env); print it resolved, with secrets hidden.',
    async run(ctx) {
      const config = await ctx.config();
      ctx.out.result(hideSecrets(config), () => 'config is valid');
    },
  },
  {
    name: 'admin bootstrap',
    summary: "Create this edge's first admin account (only while it has none).",
    options: {
      email: { type: 'string', valueName: 'EMAIL', description: 'admin email (required)' },
      'password-stdin': {
        type: 'boolean',
        description: 'read a password from stdin (else token-only)',
      },
    },
    details:
      'Works on the edge database directly (run it on the edge host). The API token goes to <dataDir>/admin-token, owner-readable only.',
    async run(ctx) {
      if (typeof ctx.options.email !== 'string') throw new CliError('--email is required', 2);
      const password = ctx.options['password-stdin'] ? await readSecret('password: ') : undefined;
      if (password !== undefined && password.length < 12) {
        throw new CliError('password must be at least 12 characters', 2);
      }
      const config = await ctx.config();
      const log = createLogger({ component: 'edge', level: 'warn' });
      const edge = await startEdge(config, {
        files: nodeFiles,
        log,
        bootstrap: { email: ctx.options.email, password },
      });
      await edge.close();
      if (!edge.bootstrapped) {
        throw new CliError('this edge has an admin already; use roomcast account create');
      }
      ctx.out.result(
        edge.bootstrapped,
        () =>
          `created admin ${edge.bootstrapped!.email}; API token in ${edge.bootstrapped!.tokenFile}`,
      );
    },
  },
  {
    name: 'demo',
    summary: 'Run the whole system on this machine on embedded defaults and print where to look.',
    details: 'The edge, an encoder node (nginx-rtmp + ffmpeg) and a collector on the test ' +
      'pattern, with a demo event and room, all in this process. Each run gives the demo nodes ' +
      'fresh secrets and the room a fresh key, so nothing needs cleaning up between runs.',
    async run(ctx) {
      const config = await ctx.config();
      const log = processLogger(config, 'demo');
      await refuseUnlessReady('demo', BOX_ROLES, config);
      let demo;
      try {
        demo = await runDemo(config, log, bootstrapFromEnv());
      } catch (error) {
        throw new CliError(`the demo could not start: ${(error as Error).message}`, 2);
      }
      ctx.out.line([
        '',
        `roomcast ${SOFTWARE_VERSION} demo is running:`,
        ...demo.summary,
        '',
        'Type c and Enter to stop the collector and start it again (see what viewers see).',
        'Ctrl-C stops it; running it again reuses the same data.',
      ].join('\n'));
      const keys = onInputLines((line) => {
        if (line.trim() !== 'c') return;
        demo.toggleCollector().then(
          (running) => ctx.out.line(running ? 'collector started' : 'collector stopped'),
          (error) => log.error('collector toggle', { reason: String(error) }),
        );
      });
      const signal = await untilSignal();
      keys.close();
      log.info(`${signal}: stopping`);
      await demo.stop();
    },
  },
];

processCommands.push({
  name: 'encoder check-publish',
  summary:
    'Ask the edge, as this encoder node, whether a stream key may publish (the key is read from stdin).',
  options: {
    addr: {
      type: 'string',
      valueName: 'IP',
      description: 'publisher address to report (default 127.0.0.1)',
    },
  },
  details:
    'Uses encoder.nodeId, encoder.edgeUrl and encoder.nodeSecret (ROOMCAST_ENCODER_NODE_SECRET). ' +
    "A diagnostic for crews: the same signed request nginx-rtmp's on_publish relays. It opens no session: " +
    'it reports the decision and then tells the edge the test publish is done.',
  async run(ctx) {
    const config = await ctx.config();
    const { nodeId, nodeSecret, edgeUrl } = config.encoder;
    if (!nodeSecret) {
      throw new CliError(
        'encoder.nodeSecret is not set (ROOMCAST_ENCODER_NODE_SECRET; see roomcast node add)',
        2,
      );
    }
    const streamKey = (await readSecret('stream key: ')).trim();
    if (!streamKey) throw new CliError('no stream key on stdin', 2);
    const client = createNodeClient({ edgeUrl, nodeId, nodeSecret });
    const clientId = String(Date.now() % 1_000_000_000);
    let decision;
    try {
      decision = await client.post('/node/hooks/publish', {
        v: WIRE_VERSION,
        nodeId,
        clientId,
        app: 'live',
        streamKey,
        addr: (ctx.options.addr as string) || '127.0.0.1',
      }, publishDecisionSchema);
    } catch (error) {
      throw new CliError(`the edge refused the request: ${(error as Error).message}`);
    }
    if (decision.decision === 'allow') {
      await client.post('/node/hooks/publish-done', {
        v: WIRE_VERSION,
        nodeId,
        clientId,
        sessionId: decision.sessionId,
        room: decision.room,
      }, z.unknown());
    }
    ctx.out.result(
      decision,
      () =>
        decision.decision === 'allow'
          ? `allowed: publishes as room ${decision.room}`
          : `refused: ${decision.reason}`,
    );
    if (decision.decision !== 'allow') throw new CliError('publish refused', 1);
  },
});
