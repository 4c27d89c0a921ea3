// The rendered conf, compared in full against a reviewed fixture (a change to the conf is
// a change to this file, on purpose), then checked by the real `nginx -t`; and the input
// checks that keep anything but plain values out of the config text.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type EncoderNginxInput, renderEncoderNginxConf } from './nginx_conf.ts';

const NGINX = '/usr/sbin/nginx';

function input(dir: string): EncoderNginxInput {
  return {
    prefix: `${dir}/nginx`,
    hlsRoot: `${dir}/hls`,
    rtmp: { host: '0.0.0.0', port: 19351 },
    http: { host: '127.0.0.1', port: 18081 },
    hookBaseUrl: 'http://127.0.0.1:18082/hooks/Zx9_hook-token',
    controlSocket: `${dir}/nginx/control.sock`,
    playbackSecret: '0123456789abcdef'.repeat(4),
    corsOrigin: 'https://watch.example.org',
    accessLogPath: `${dir}/nginx/logs/hls-access.log`,
    runAsUser: 'nobody nogroup',
    updateIntervalSeconds: 5,
    idlePublisherSeconds: 10,
  };
}

function expected(dir: string): string {
  return `# roomcast encoder nginx, rendered by appliance/encoder/nginx/nginx_conf.ts at every agent
# start (edits here are lost). It holds the playback secret: readable by the agent only.
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;

# The agent supervises nginx as its child (restarts, graceful stop): no daemonising.
daemon off;
# A master: graceful reload (HUP) and stop (QUIT), and a worker that can drop root.
master_process on;
# One worker: nginx-rtmp keeps streams per worker, and rtmp_stat/rtmp_control answer from
# the worker that takes the request, so only a single worker sees (and drops) every stream.
worker_processes 1;
# Started as root: the worker runs unprivileged (it must be able to read hlsRoot).
user nobody nogroup;
# Each RTMP client, viewer connection and open file is a descriptor.
worker_rlimit_nofile 8192;
pid ${dir}/nginx/nginx.pid;
lock_file ${dir}/nginx/nginx.lock;
# warn, not info: at info nginx-rtmp logs every publish and play with its name and args,
# and a publisher's name is its stream key.
error_log ${dir}/nginx/logs/error.log warn;

events {
  worker_connections 4096;
}

rtmp {
  server {
    listen 0.0.0.0:19351;
    # Off: nginx-rtmp's access log writes each stream's name and args, i.e. stream keys.
    access_log off;
    # Acknowledge every 64 KiB received (default 5 MB): a collector reads these acks to
    # notice within a second or two that its uplink froze silently.
    ack_window 65536;

    application live {
      live on;
      # The agent runs ffmpeg for the HLS ladder (no \`hls on\`); nothing is recorded here.
      record off;
      # Viewers watch HLS, where every request carries a playback token; RTMP play has no
      # token check, so it is for the agent's own ffmpeg on this host only.
      allow play 127.0.0.1;
      deny play all;
      # The ffmpeg that reads a room starts on a keyframe, not on undecodable frames, and
      # with no audio ahead of it: so the input starts with the first picture, which the
      # agent dates by the publisher's capture clock (and ffmpeg's probe ends sooner).
      wait_key on;
      wait_video on;
      # The publisher's own onMetaData, passed on as sent: a collector's carries its
      # capture clock (core/wire/capture_clock.ts). \`on\` (the default) would rebuild it
      # from the fields nginx knows and drop that one.
      meta copy;

      # Every decision is the agent's (it relays to the edge, signed). on_publish answers
      # 3xx + \`Location: <room id>\`, which renames the stream from the key to the room.
      notify_method post;
      on_publish http://127.0.0.1:18082/hooks/Zx9_hook-token/publish;
      on_update http://127.0.0.1:18082/hooks/Zx9_hook-token/update;
      on_publish_done http://127.0.0.1:18082/hooks/Zx9_hook-token/publish-done;
      on_play http://127.0.0.1:18082/hooks/Zx9_hook-token/play;
      # on_update is the kill switch for edge cut-offs: how often it asks.
      notify_update_timeout 5s;
      # Off: a 2xx or 3xx keeps the publisher; only a 4xx/5xx, or no answer at all (the
      # agent is gone), drops it. On would also drop it on a 3xx.
      notify_update_strict off;
      # A publisher sending nothing (a frozen uplink) is dropped, so on_publish_done fires
      # and the room is free for the reconnect.
      drop_idle_publisher 10s;
    }
  }
}

http {
  # Every path nginx may write lives under the prefix, never /var/lib/nginx.
  client_body_temp_path ${dir}/nginx/temp/client_body;
  proxy_temp_path ${dir}/nginx/temp/proxy;
  fastcgi_temp_path ${dir}/nginx/temp/fastcgi;
  uwsgi_temp_path ${dir}/nginx/temp/uwsgi;
  scgi_temp_path ${dir}/nginx/temp/scgi;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  # Only the HLS locations log, in their own format: the default log format has the
  # request line, whose query string holds playback tokens.
  access_log off;
  # A 404 would be logged to error_log with the request line, tokens included.
  log_not_found off;

  default_type application/octet-stream;
  types {
    application/vnd.apple.mpegurl m3u8;
    application/dash+xml mpd;
    video/iso.segment m4s;
    video/mp4 mp4;
    video/mp2t ts;
  }

  # The viewer log viewer_count.ts reads: time, status, bytes, room, viewer session. Never
  # $request, $args or $arg_t (tokens). The session is last: it is the one field a client
  # can fill freely (even with spaces), so it cannot push the others out of place.
  log_format roomcast_hls 'v1 $msec $status $body_bytes_sent $room $arg_s';
  # Preflights carry no token and are nobody watching: kept out of the viewer log.
  map $request_method $roomcast_viewer_request {
    OPTIONS 0;
    default 1;
  }
  # A constant, as a variable so secure_link_md5 reads as in core/wire/playback_token.ts.
  map $host $playback_secret {
    default "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  }

  server {
    listen 127.0.0.1:18081;
    server_name _;

    # The agent's readiness check: no token, no log.
    location = /health {
      default_type text/plain;
      return 200 "ok\\n";
    }

    # Only the names players ask for: the master playlist, each rendition's playlist, and
    # its segments and init files. ffmpeg's own <run>.m3u8, its .tmp files and directories
    # match nothing here and get the 404 below.
    location ~ "^/hls/(?<room>[a-z0-9][a-z0-9-]{0,62})/(?<hls_file>master\\.m3u8|master-standard\\.m3u8|[a-z0-9][a-z0-9_-]{0,31}/index\\.m3u8)$" {
      alias ${dir}/hls/$room/$hls_file;
      # CORS preflight (a player adding a Range header triggers one): it carries no
      # credentials and gets no content, so it is answered without a token check.
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "https://watch.example.org";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers "Range";
        add_header Access-Control-Max-Age "86400";
        return 204;
      }
      # Playback token, exactly as core/wire/playback_token.ts signs it.
      secure_link $arg_t,$arg_e;
      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
      if ($secure_link = "") {
        return 403; # missing, mutated, or for another room or session
      }
      if ($secure_link = "0") {
        return 403; # expired
      }
      access_log ${dir}/nginx/logs/hls-access.log roomcast_hls if=$roomcast_viewer_request;
      # \`always\`: a player must read a 403 (to renew its token) or 404, not a CORS failure.
      add_header Access-Control-Allow-Origin "https://watch.example.org" always;
      add_header Access-Control-Expose-Headers "Content-Length, Content-Range" always;
      # Live playlists change with every segment: always revalidate.
      add_header Cache-Control "no-cache";
      # Native HLS players (Safari, iOS) fetch a playlist's URIs as written, without the
      # page's query: each URI gets this request's token. sub_filter matches literal text;
      # these are the only places URIs end in our playlists: a variant line, a segment
      # line, the init segment's EXT-X-MAP, a part's or a preload hint's URI attribute.
      # The response then has no Content-Length (chunked) and no Last-Modified; it differs
      # per viewer, so a cache in front must key playlists on the whole query.
      sub_filter_types application/vnd.apple.mpegurl;
      sub_filter_once off;
      sub_filter '/index.m3u8\\n' '/index.m3u8?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '/ll.m3u8\\n' '/ll.m3u8?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '.m4s\\n' '.m4s?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '.m4s"' '.m4s?e=$arg_e&s=$arg_s&t=$arg_t"';
      sub_filter '-init.mp4"' '-init.mp4?e=$arg_e&s=$arg_s&t=$arg_t"';
    }
    location ~ "^/hls/(?<room>[a-z0-9][a-z0-9-]{0,62})/(?<ll_rendition>[a-z0-9][a-z0-9_-]{0,31})/ll\\.m3u8$" {
      proxy_pass http://127.0.0.1:18082/hooks/Zx9_hook-token/ll/$room/$ll_rendition/ll.m3u8$is_args$args;
      # A blocking reload is held up to 3 target durations (30 s at most).
      # At \`crit\` only: nginx's error lines (the agent restarting) quote the request line,
      # and with it the playback token.
      proxy_read_timeout 40s;
      error_log ${dir}/nginx/logs/error.log crit;
      # CORS preflight (a player adding a Range header triggers one): it carries no
      # credentials and gets no content, so it is answered without a token check.
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "https://watch.example.org";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers "Range";
        add_header Access-Control-Max-Age "86400";
        return 204;
      }
      # Playback token, exactly as core/wire/playback_token.ts signs it.
      secure_link $arg_t,$arg_e;
      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
      if ($secure_link = "") {
        return 403; # missing, mutated, or for another room or session
      }
      if ($secure_link = "0") {
        return 403; # expired
      }
      access_log ${dir}/nginx/logs/hls-access.log roomcast_hls if=$roomcast_viewer_request;
      # \`always\`: a player must read a 403 (to renew its token) or 404, not a CORS failure.
      add_header Access-Control-Allow-Origin "https://watch.example.org" always;
      add_header Access-Control-Expose-Headers "Content-Length, Content-Range" always;
      # Live playlists change with every part: always revalidate.
      add_header Cache-Control "no-cache";
      # Native HLS players (Safari, iOS) fetch a playlist's URIs as written, without the
      # page's query: each URI gets this request's token. sub_filter matches literal text;
      # these are the only places URIs end in our playlists: a variant line, a segment
      # line, the init segment's EXT-X-MAP, a part's or a preload hint's URI attribute.
      # The response then has no Content-Length (chunked) and no Last-Modified; it differs
      # per viewer, so a cache in front must key playlists on the whole query.
      sub_filter_types application/vnd.apple.mpegurl;
      sub_filter_once off;
      sub_filter '/index.m3u8\\n' '/index.m3u8?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '/ll.m3u8\\n' '/ll.m3u8?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '.m4s\\n' '.m4s?e=$arg_e&s=$arg_s&t=$arg_t\\n';
      sub_filter '.m4s"' '.m4s?e=$arg_e&s=$arg_s&t=$arg_t"';
      sub_filter '-init.mp4"' '-init.mp4?e=$arg_e&s=$arg_s&t=$arg_t"';
    }
    location ~ "^/hls/(?<room>[a-z0-9][a-z0-9-]{0,62})/(?<hls_file>manifest\\.mpd)$" {
      alias ${dir}/hls/$room/$hls_file;
      # CORS preflight (a player adding a Range header triggers one): it carries no
      # credentials and gets no content, so it is answered without a token check.
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "https://watch.example.org";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers "Range";
        add_header Access-Control-Max-Age "86400";
        return 204;
      }
      # Playback token, exactly as core/wire/playback_token.ts signs it.
      secure_link $arg_t,$arg_e;
      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
      if ($secure_link = "") {
        return 403; # missing, mutated, or for another room or session
      }
      if ($secure_link = "0") {
        return 403; # expired
      }
      access_log ${dir}/nginx/logs/hls-access.log roomcast_hls if=$roomcast_viewer_request;
      # \`always\`: a player must read a 403 (to renew its token) or 404, not a CORS failure.
      add_header Access-Control-Allow-Origin "https://watch.example.org" always;
      add_header Access-Control-Expose-Headers "Content-Length, Content-Range" always;
      # The live manifest changes with every segment: always revalidate.
      add_header Cache-Control "no-cache";
      # dash.js and Shaka resolve the manifest's segment URLs without the manifest's query:
      # each template gets this request's token, as the playlists do.
      sub_filter_types application/dash+xml;
      sub_filter_once off;
      sub_filter '.m4s"' '.m4s?e=$arg_e&amp;s=$arg_s&amp;t=$arg_t"';
      sub_filter '-init.mp4"' '-init.mp4?e=$arg_e&amp;s=$arg_s&amp;t=$arg_t"';
    }
    location ~ "^/hls/(?<room>[a-z0-9][a-z0-9-]{0,62})/(?<hls_file>[a-z0-9][a-z0-9_-]{0,31}/[A-Za-z0-9_-]{1,128}(?:\\.m4s|-init\\.mp4))$" {
      alias ${dir}/hls/$room/$hls_file;
      # CORS preflight (a player adding a Range header triggers one): it carries no
      # credentials and gets no content, so it is answered without a token check.
      if ($request_method = OPTIONS) {
        add_header Access-Control-Allow-Origin "https://watch.example.org";
        add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS";
        add_header Access-Control-Allow-Headers "Range";
        add_header Access-Control-Max-Age "86400";
        return 204;
      }
      # Playback token, exactly as core/wire/playback_token.ts signs it.
      secure_link $arg_t,$arg_e;
      secure_link_md5 "$arg_e:$room:$arg_s $playback_secret";
      if ($secure_link = "") {
        return 403; # missing, mutated, or for another room or session
      }
      if ($secure_link = "0") {
        return 403; # expired
      }
      access_log ${dir}/nginx/logs/hls-access.log roomcast_hls if=$roomcast_viewer_request;
      # \`always\`: a player must read a 403 (to renew its token) or 404, not a CORS failure.
      add_header Access-Control-Allow-Origin "https://watch.example.org" always;
      add_header Access-Control-Expose-Headers "Content-Length, Content-Range" always;
      # Segment and init names are unique per ffmpeg run: a name never changes content.
      add_header Cache-Control "public, max-age=31536000, immutable";
    }

    location / {
      return 404;
    }
  }

  # rtmp_control and rtmp_stat on a unix socket only, never a TCP port. nginx creates it
  # 0666; nginx_process.ts makes it owner-only once nginx is up.
  server {
    listen unix:${dir}/nginx/control.sock;

    location /control/ {
      rtmp_control all;
    }

    location = /stat {
      rtmp_stat all;
    }

    location / {
      return 404;
    }
  }
}
`;
}

test('the rendered conf is exactly the reviewed one', () => {
  const dir = '/srv/roomcast/encoder';
  const rendered = renderEncoderNginxConf(input(dir));
  // Line by line first, so a difference is reported where it is.
  const want = expected(dir).split('\n');
  rendered.split('\n').forEach((line, i) => assert.equal(line, want[i], `line ${i + 1}`));
  assert.equal(rendered, expected(dir));
});

test('nginx -t accepts the rendered conf', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roomcast-nginx-conf-'));
  try {
    await chmod(dir, 0o755);
    // What startEncoderNginx makes before it runs nginx: logs/ and temp/ under the prefix.
    await mkdir(join(dir, 'nginx/logs'), { recursive: true });
    await mkdir(join(dir, 'nginx/temp'));
    await mkdir(join(dir, 'hls'));
    const confPath = join(dir, 'nginx/nginx.conf');
    await writeFile(confPath, renderEncoderNginxConf(input(dir)));
    const prefix = `${dir}/nginx/`;
    const errorLog = join(dir, 'nginx/logs/error.log');
    const result = await new Promise<{ ok: boolean; output: string }>((resolve) => {
      execFile(NGINX, ['-t', '-p', prefix, '-c', confPath, '-e', errorLog], (error, out, err) => {
        resolve({ ok: !error, output: `${out}${err}` });
      });
    });
    assert.ok(result.ok, result.output);
    assert.match(result.output, /syntax is ok/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a specific RTMP address may also play, as the agent's ffmpeg connects from it", () => {
  const conf = renderEncoderNginxConf({ ...input('/w'), rtmp: { host: '192.0.2.7', port: 1935 } });
  assert.match(conf, /listen 192\.0\.2\.7:1935;/);
  assert.match(conf, /allow play 127\.0\.0\.1;\n {6}allow play 192\.0\.2\.7;\n {6}deny play all;/);
  const v6 = renderEncoderNginxConf({ ...input('/w'), http: { host: '::1', port: 8088 } });
  assert.match(v6, /listen \[::1\]:8088;/);
});

test('without runAsUser there is no user directive; the wildcard origin is allowed', () => {
  const conf = renderEncoderNginxConf({ ...input('/w'), runAsUser: null, corsOrigin: '*' });
  assert.doesNotMatch(conf, /^user /m);
  assert.match(conf, /add_header Access-Control-Allow-Origin "\*" always;/);
});

test('values that could break out of their directive are refused', () => {
  const bad: [string, Partial<EncoderNginxInput>][] = [
    ['prefix', { prefix: 'relative/nginx' }],
    ['prefix', { prefix: '/srv/x; include /etc/passwd' }],
    ['prefix', { prefix: '/srv/../etc' }],
    ['hlsRoot', { hlsRoot: '/srv/hls }' }],
    ['accessLogPath', { accessLogPath: '/srv/a.log syslog:server=evil' }],
    ['controlSocket', { controlSocket: `/${'s'.repeat(120)}` }],
    ['rtmp', { rtmp: { host: '0.0.0.0;', port: 1935 } }],
    ['rtmp', { rtmp: { host: '0.0.0.0', port: 0 } }],
    ['http', { http: { host: '127.0.0.1', port: 70000 } }],
    ['hookBaseUrl', { hookBaseUrl: 'https://127.0.0.1:8089/hooks/x' }],
    ['hookBaseUrl', { hookBaseUrl: 'http://127.0.0.1:8089/hooks/x;' }],
    ['hookBaseUrl', { hookBaseUrl: 'http://127.0.0.1/hooks/x' }],
    ['playbackSecret', { playbackSecret: 'abc' }],
    ['playbackSecret', { playbackSecret: `${'a'.repeat(64)}"; }` }],
    ['corsOrigin', { corsOrigin: 'https://a.example" always; add_header X "y' }],
    ['corsOrigin', { corsOrigin: 'https://a.example/path' }],
    ['runAsUser', { runAsUser: 'root; daemon on' }],
    ['updateIntervalSeconds', { updateIntervalSeconds: 0 }],
    ['idlePublisherSeconds', { idlePublisherSeconds: 1.5 }],
  ];
  for (const [name, override] of bad) {
    assert.throws(
      () => renderEncoderNginxConf({ ...input('/w'), ...override }),
      new RegExp(name),
      JSON.stringify(override),
    );
  }
});
