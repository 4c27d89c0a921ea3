// The encoder's whole nginx.conf, rendered from typed input by a pure function: RTMP
// ingest (hooks to the agent, keys renamed to room ids, never logged), the HLS server
// (playback tokens checked by secure_link on every request, a viewer log without tokens)
// and a control server on a unix socket only. Everything nginx writes goes under
// `prefix`, so it runs beside a packaged nginx without touching /etc or /var.
//
// Every value that lands in the text is checked against a narrow pattern first: the
// config is code, and a `;` or `}` smuggled in through a path or an origin would be
// config injection.

// Where Debian's libnginx-mod-rtmp puts the module (our conf loads it itself): named with
// the other things the encoder needs of the machine, which roomcast doctor checks.
import { RTMP_MODULE_PATH } from '../../../core/requirements/catalogue.ts';
/** The RTMP application collectors publish to and the agent's ffmpeg reads from. */
export const RTMP_APP = 'live';

export interface EncoderNginxInput {
  /** `<workDir>/nginx`: conf, pid, logs/, temp/ live here (never /etc or /var). */
  prefix: string;
  /** `<workDir>/hls`: /hls/<room>/... is served from here. */
  hlsRoot: string;
  rtmp: { host: string; port: number };
  http: { host: string; port: number };
  /** e.g. http://127.0.0.1:8089/hooks/<random-token>; hooks are `<base>/publish` etc. */
  hookBaseUrl: string;
  /** Unix socket for rtmp_control and rtmp_stat (loopback-only control; no TCP port). */
  controlSocket: string;
  /** Hex; nginx's secure_link checks playback tokens with it. */
  playbackSecret: string;
  /** e.g. '*' or 'https://watch.example.org'. */
  corsOrigin: string;
  /** The HLS access log the agent tails to count viewers (see viewer_count.ts). */
  accessLogPath: string;
  /** `user` directive when the agent runs as root (e.g. 'nobody nogroup'), else null. */
  runAsUser: string | null;
  /** nginx-rtmp notify_update_timeout: how often on_update asks the agent. */
  updateIntervalSeconds: number;
  /** drop_idle_publisher: a publisher sending nothing this long is dropped. */
  idlePublisherSeconds: number;
}

const PATH = /^\/[A-Za-z0-9._/-]*$/;
const HOST = /^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/;
const HOOK_BASE =
  /^http:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}(?:\/[A-Za-z0-9._~-]+)*$/;
const ORIGIN = /^https?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}(?: [a-z_][a-z0-9_-]{0,31})?$/;
const HEX_SECRET = /^[0-9a-fA-F]{32,256}$/;
/** unix(7): sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`encoder nginx config: ${what}`);
}

function checkPath(value: string, name: string): string {
  check(
    PATH.test(value) && !value.split('/').includes('..'),
    `${name} must be an absolute path of letters, digits and ._/- (got ${JSON.stringify(value)})`,
  );
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

function checkSeconds(value: number, name: string): number {
  check(Number.isInteger(value) && value >= 1 && value <= 3600, `${name} must be 1-3600 seconds`);
  return value;
}

function listenAddress(listen: { host: string; port: number }, name: string): string {
  check(HOST.test(listen.host), `${name}.host must be a host name or IP address`);
  check(
    Number.isInteger(listen.port) && listen.port >= 1 && listen.port <= 65535,
    `${name}.port must be 1-65535`,
  );
  const host = listen.host.replace(/^\[|\]$/g, '');
  return `${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
}

/** A comment block at `indent`, one `#` line per entry. */
function note(indent: string, ...lines: string[]): string[] {
  return lines.map((line) => `${indent}# ${line}`);
}

export function renderEncoderNginxConf(input: EncoderNginxInput): string {
  const prefix = checkPath(input.prefix, 'prefix');
  const hlsRoot = checkPath(input.hlsRoot, 'hlsRoot');
  const accessLog = checkPath(input.accessLogPath, 'accessLogPath');
  const controlSocket = checkPath(input.controlSocket, 'controlSocket');
  check(controlSocket.length <= MAX_SOCKET_PATH, `controlSocket is longer than 107 bytes`);
  const rtmpListen = listenAddress(input.rtmp, 'rtmp');
  const httpListen = listenAddress(input.http, 'http');
  check(HOOK_BASE.test(input.hookBaseUrl), 'hookBaseUrl must be http://host:port/path');
  check(HEX_SECRET.test(input.playbackSecret), 'playbackSecret must be 32-256 hex digits');
  check(
    input.corsOrigin === '*' || ORIGIN.test(input.corsOrigin),
    "corsOrigin must be '*' or an origin like https://watch.example.org",
  );
  check(input.runAsUser === null || USER.test(input.runAsUser), 'runAsUser must be "user [group]"');
  const updateSeconds = checkSeconds(input.updateIntervalSeconds, 'updateIntervalSeconds');
  const idleSeconds = checkSeconds(input.idlePublisherSeconds, 'idlePublisherSeconds');
  const hook = (name: string) => `${input.hookBaseUrl}/${name}`;
  const p = (path: string) => `${prefix}/${path}`;

  // The agent's ffmpeg reads the stream from the loopback address of the RTMP listener;
  // bound to one specific IPv4 address, it connects from that address instead.
  const host = input.rtmp.host;
  const ownAddress = /^[0-9.]+$/.test(host) && host !== '0.0.0.0' && host !== '127.0.0.1'
    ? [`      allow play ${host};`]
    : [];

  // Shared by both HLS locations; each location adds its own Cache-Control (an add_header
  // in a location replaces every inherited one, so the set is written out in full).
  const hlsLocation = (
    pattern: string,
    cacheControl: string,
    why: string,
    extra: string[],
    content = [`      alias ${hlsRoot}/$room/$hls_file;`],
  ) => [
    `    location ~ "${pattern}" {`,
    ...content,
    ...note(
      '      ',
      'CORS preflight (a player adding a Range header triggers one): it carries no',
      'credentials and gets no content, so it is answered without a token check.',
    ),
    '      if ($request_method = OPTIONS) {',
    `        add_header Access-Control-Allow-Origin "${input.corsOrigin}";`,
    '        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";',
    '        add_header Access-Control-Allow-Headers "Range";',
    '        add_header Access-Control-Max-Age "86400";',
    '        return 204;',
    '      }',
    ...note('      ', 'Playback token, exactly as core/wire/playback_token.ts signs it.'),
    '      secure_link $arg_t,$arg_e;',
    '      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";',
    '      if ($secure_link = "") {',
    '        return 403; # missing, mutated, or for another room or session',
    '      }',
    '      if ($secure_link = "0") {',
    '        return 403; # expired',
    '      }',
    `      access_log ${accessLog} roomcast_hls if=$roomcast_viewer_request;`,
    ...note(
      '      ',
      '`always`: a player must read a 403 (to renew its token) or 404, not a CORS failure.',
    ),
    `      add_header Access-Control-Allow-Origin "${input.corsOrigin}" always;`,
    '      add_header Access-Control-Expose-Headers "Content-Length, Content-Range" always;',
    ...note('      ', why),
    `      add_header Cache-Control "${cacheControl}";`,
    ...extra,
    '    }',
  ];

  // The token as the request carried it, for the URIs inside a playlist. The values are
  // the raw (still escaped) query arguments, and only a request whose token passed the
  // check above gets this far.
  const token = 'e=$arg_e&s=$arg_s&t=$arg_t';
  const tokenInPlaylists = [
    ...note(
      '      ',
      "Native HLS players (Safari, iOS) fetch a playlist's URIs as written, without the",
      "page's query: each URI gets this request's token. sub_filter matches literal text;",
      'these are the only places URIs end in our playlists: a variant line, a segment',
      "line, the init segment's EXT-X-MAP, a part's or a preload hint's URI attribute.",
      'The response then has no Content-Length (chunked) and no Last-Modified; it differs',
      'per viewer, so a cache in front must key playlists on the whole query.',
    ),
    '      sub_filter_types application/vnd.apple.mpegurl;',
    '      sub_filter_once off;',
    `      sub_filter '/index.m3u8\\n' '/index.m3u8?${token}\\n';`,
    `      sub_filter '/ll.m3u8\\n' '/ll.m3u8?${token}\\n';`,
    `      sub_filter '.m4s\\n' '.m4s?${token}\\n';`,
    `      sub_filter '.m4s"' '.m4s?${token}"';`,
    `      sub_filter '-init.mp4"' '-init.mp4?${token}"';`,
  ];

  // Low-latency playlists are the agent's to answer (a blocking reload waits for the next
  // part): nginx checks the token, then passes the request on with its query.
  const lowLatencyProxy = [
    `      proxy_pass ${input.hookBaseUrl}/ll/$room/$ll_rendition/ll.m3u8$is_args$args;`,
    ...note(
      '      ',
      'A blocking reload is held up to 3 target durations (30 s at most).',
      "At `crit` only: nginx's error lines (the agent restarting) quote the request line,",
      'and with it the playback token.',
    ),
    '      proxy_read_timeout 40s;',
    `      error_log ${p('logs/error.log')} crit;`,
  ];

  // The DASH manifest's own: its segment and init URLs are XML attribute values (so the
  // token's `&` is written `&amp;`), and nothing else in it ends in these.
  const xmlToken = 'e=$arg_e&amp;s=$arg_s&amp;t=$arg_t';
  const tokenInManifest = [
    ...note(
      '      ',
      "dash.js and Shaka resolve the manifest's segment URLs without the manifest's query:",
      "each template gets this request's token, as the playlists do.",
    ),
    '      sub_filter_types application/dash+xml;',
    '      sub_filter_once off;',
    `      sub_filter '.m4s"' '.m4s?${xmlToken}"';`,
    `      sub_filter '-init.mp4"' '-init.mp4?${xmlToken}"';`,
  ];

  const room = '(?<room>[a-z0-9][a-z0-9-]{0,62})';
  const rendition = '[a-z0-9][a-z0-9_-]{0,31}';
  const lines = [
    '# roomcast encoder nginx, rendered by appliance/encoder/nginx/nginx_conf.ts at every agent',
    '# start (edits here are lost). It holds the playback secret: readable by the agent only.',
    `load_module ${RTMP_MODULE_PATH};`,
    '',
    '# The agent supervises nginx as its child (restarts, graceful stop): no daemonising.',
    'daemon off;',
    '# A master: graceful reload (HUP) and stop (QUIT), and a worker that can drop root.',
    'master_process on;',
    '# One worker: nginx-rtmp keeps streams per worker, and rtmp_stat/rtmp_control answer from',
    '# the worker that takes the request, so only a single worker sees (and drops) every stream.',
    'worker_processes 1;',
    ...(input.runAsUser === null ? [] : [
      '# Started as root: the worker runs unprivileged (it must be able to read hlsRoot).',
      `user ${input.runAsUser};`,
    ]),
    '# Each RTMP client, viewer connection and open file is a descriptor.',
    'worker_rlimit_nofile 8192;',
    `pid ${p('nginx.pid')};`,
    `lock_file ${p('nginx.lock')};`,
    '# warn, not info: at info nginx-rtmp logs every publish and play with its name and args,',
    "# and a publisher's name is its stream key.",
    `error_log ${p('logs/error.log')} warn;`,
    '',
    'events {',
    '  worker_connections 4096;',
    '}',
    '',
    'rtmp {',
    '  server {',
    `    listen ${rtmpListen};`,
    "    # Off: nginx-rtmp's access log writes each stream's name and args, i.e. stream keys.",
    '    access_log off;',
    '    # Acknowledge every 64 KiB received (default 5 MB): a collector reads these acks to',
    '    # notice within a second or two that its uplink froze silently.',
    '    ack_window 65536;',
    '',
    `    application ${RTMP_APP} {`,
    '      live on;',
    '      # The agent runs ffmpeg for the HLS ladder (no `hls on`); nothing is recorded here.',
    '      record off;',
    '      # Viewers watch HLS, where every request carries a playback token; RTMP play has no',
    "      # token check, so it is for the agent's own ffmpeg on this host only.",
    '      allow play 127.0.0.1;',
    ...ownAddress,
    '      deny play all;',
    '      # The ffmpeg that reads a room starts on a keyframe, not on undecodable frames, and',
    '      # with no audio ahead of it: so the input starts with the first picture, which the',
    "      # agent dates by the publisher's capture clock (and ffmpeg's probe ends sooner).",
    '      wait_key on;',
    '      wait_video on;',
    "      # The publisher's own onMetaData, passed on as sent: a collector's carries its",
    '      # capture clock (core/wire/capture_clock.ts). `on` (the default) would rebuild it',
    '      # from the fields nginx knows and drop that one.',
    '      meta copy;',
    '',
    "      # Every decision is the agent's (it relays to the edge, signed). on_publish answers",
    '      # 3xx + `Location: <room id>`, which renames the stream from the key to the room.',
    '      notify_method post;',
    `      on_publish ${hook('publish')};`,
    `      on_update ${hook('update')};`,
    `      on_publish_done ${hook('publish-done')};`,
    `      on_play ${hook('play')};`,
    '      # on_update is the kill switch for edge cut-offs: how often it asks.',
    `      notify_update_timeout ${updateSeconds}s;`,
    '      # Off: a 2xx or 3xx keeps the publisher; only a 4xx/5xx, or no answer at all (the',
    '      # agent is gone), drops it. On would also drop it on a 3xx.',
    '      notify_update_strict off;',
    '      # A publisher sending nothing (a frozen uplink) is dropped, so on_publish_done fires',
    '      # and the room is free for the reconnect.',
    `      drop_idle_publisher ${idleSeconds}s;`,
    '    }',
    '  }',
    '}',
    '',
    'http {',
    '  # Every path nginx may write lives under the prefix, never /var/lib/nginx.',
    `  client_body_temp_path ${p('temp/client_body')};`,
    `  proxy_temp_path ${p('temp/proxy')};`,
    `  fastcgi_temp_path ${p('temp/fastcgi')};`,
    `  uwsgi_temp_path ${p('temp/uwsgi')};`,
    `  scgi_temp_path ${p('temp/scgi')};`,
    '  server_tokens off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  # Only the HLS locations log, in their own format: the default log format has the',
    '  # request line, whose query string holds playback tokens.',
    '  access_log off;',
    '  # A 404 would be logged to error_log with the request line, tokens included.',
    '  log_not_found off;',
    '',
    '  default_type application/octet-stream;',
    '  types {',
    '    application/vnd.apple.mpegurl m3u8;',
    '    application/dash+xml mpd;',
    '    video/iso.segment m4s;',
    '    video/mp4 mp4;',
    '    video/mp2t ts;',
    '  }',
    '',
    '  # The viewer log viewer_count.ts reads: time, status, bytes, room, viewer session. Never',
    '  # $request, $args or $arg_t (tokens). The session is last: it is the one field a client',
    '  # can fill freely (even with spaces), so it cannot push the others out of place.',
    "  log_format roomcast_hls 'v1 $msec $status $body_bytes_sent $room $arg_s';",
    '  # Preflights carry no token and are nobody watching: kept out of the viewer log.',
    '  map $request_method $roomcast_viewer_request {',
    '    OPTIONS 0;',
    '    default 1;',
    '  }',
    '  # A constant, as a variable so secure_link_md5 reads as in core/wire/playback_token.ts.',
    '  map $host $playback_secret {',
    `    default "${input.playbackSecret}";`,
    '  }',
    '',
    '  server {',
    `    listen ${httpListen};`,
    '    server_name _;',
    '',
    "    # The agent's readiness check: no token, no log.",
    '    location = /health {',
    '      default_type text/plain;',
    '      return 200 "ok\\n";',
    '    }',
    '',
    "    # Only the names players ask for: the master playlist, each rendition's playlist, and",
    "    # its segments and init files. ffmpeg's own <run>.m3u8, its .tmp files and directories",
    '    # match nothing here and get the 404 below.',
    ...hlsLocation(
      `^/hls/${room}/(?<hls_file>master\\.m3u8|master-standard\\.m3u8|${rendition}/index\\.m3u8)$`,
      'no-cache',
      'Live playlists change with every segment: always revalidate.',
      tokenInPlaylists,
    ),
    ...hlsLocation(
      `^/hls/${room}/(?<ll_rendition>${rendition})/ll\\.m3u8$`,
      'no-cache',
      'Live playlists change with every part: always revalidate.',
      tokenInPlaylists,
      lowLatencyProxy,
    ),
    ...hlsLocation(
      `^/hls/${room}/(?<hls_file>manifest\\.mpd)$`,
      'no-cache',
      'The live manifest changes with every segment: always revalidate.',
      tokenInManifest,
    ),
    ...hlsLocation(
      `^/hls/${room}/(?<hls_file>${rendition}/[A-Za-z0-9_-]{1,128}(?:\\.m4s|-init\\.mp4))$`,
      'public, max-age=31536000, immutable',
      'Segment and init names are unique per ffmpeg run: a name never changes content.',
      [],
    ),
    '',
    '    location / {',
    '      return 404;',
    '    }',
    '  }',
    '',
    '  # rtmp_control and rtmp_stat on a unix socket only, never a TCP port. nginx creates it',
    '  # 0666; nginx_process.ts makes it owner-only once nginx is up.',
    '  server {',
    `    listen unix:${controlSocket};`,
    '',
    '    location /control/ {',
    '      rtmp_control all;',
    '    }',
    '',
    '    location = /stat {',
    '      rtmp_stat all;',
    '    }',
    '',
    '    location / {',
    '      return 404;',
    '    }',
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}
