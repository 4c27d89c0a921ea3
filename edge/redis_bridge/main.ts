// Starts the Redis bridge: the Upstash-compatible HTTP API in front of a real Redis, for
// self-hosted deployments whose edges use the Upstash store adapter. `roomcast
// redis-bridge` (cli/) loads the config, calls this and waits for a signal.
import { serve } from '@hono/node-server';
import type { Logger } from '../../core/log.ts';
import { createRedisBridge } from './bridge.ts';
import { createRespClient, parseRedisUrl } from './resp.ts';

export interface RedisBridgeConfig {
  listen: { host: string; port: number };
  /** `redis://[[user]:password@]host:port[/db]` */
  redisUrl: string;
  token: string;
  maxBodyBytes?: number;
}

export async function runRedisBridge(
  config: RedisBridgeConfig,
  log: Logger,
): Promise<{ close(): Promise<void>; port: number }> {
  if (!config.token) {
    throw new Error(
      "'redisBridge.token' must be set (via ROOMCAST_REDIS_BRIDGE_TOKEN): the bridge never runs open",
    );
  }
  const target = parseRedisUrl(config.redisUrl);
  const redis = createRespClient(config.redisUrl);
  const app = createRedisBridge({
    redis,
    token: config.token,
    log,
    ...(config.maxBodyBytes === undefined ? {} : { maxBodyBytes: config.maxBodyBytes }),
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname: config.listen.host, port: config.listen.port },
      () => resolveServer(started),
    );
    started.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  // Never the URL itself: it may carry the Redis password.
  log.info('listening', { host: config.listen.host, port, redis: `${target.host}:${target.port}` });

  // Probe once so a wrong Redis URL shows in the log at start-up, not at the first
  // request. Not fatal: Redis may come up after the bridge; /health tells the truth.
  redis.command(['PING']).then(
    (reply) => {
      if (reply !== 'PONG') log.warn('Redis answered PING unexpectedly (wrong password?)');
    },
    (error: Error) => log.warn('Redis does not answer yet', { reason: error.message }),
  );

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        await new Promise<void>((done) => {
          server.close(() => done());
          // Keep-alive connections (the Upstash client keeps them) would hold close()
          // open; idle ones go now, busy ones after a short grace.
          if ('closeIdleConnections' in server) server.closeIdleConnections();
          const force = setTimeout(() => {
            if ('closeAllConnections' in server) server.closeAllConnections();
          }, 2_000);
          force.unref();
        });
        await redis.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
}
