// Everything roomcast starts or loads from the machine, in one place: every program,
// GStreamer element factory, ffmpeg component, nginx module, typelib and font, with the
// role that needs it and the Debian package that provides it. `roomcast doctor` and the
// start checks of `roomcast encoder` / `collector` look these up on the machine; the
// suite holds this list against the code (the pipelines and the ffmpeg argv use nothing
// that is not here) and against dpkg (each item's file belongs to a package that
// scripts/debian-packages.txt installs for the role, or to one of its hard dependencies).
//
// Adding an element to a pipeline means adding it here with its package; the tests fail
// until both are right.

/** Who needs an item: the three boxes, the node-gtk build, and the test suite itself. */
export const ROLES = ['edge', 'encoder', 'collector', 'build', 'test'] as const;
export type Role = (typeof ROLES)[number];

/** The capture sources (collector.source.kind and collector.audio.kind). */
export type CaptureKind = 'test' | 'v4l2' | 'decklink' | 'alsa' | 'pulse';

export type FfmpegComponentKind =
  | 'encoder'
  | 'decoder'
  | 'muxer'
  | 'demuxer'
  | 'protocol'
  | 'filter';

interface Common {
  roles: readonly Role[];
  /** The Debian package that provides it (the one named in the fix). */
  package: string;
  /** Which code uses it, for the doctor's report and for whoever reads this list. */
  usedBy: string;
}

export type Requirement =
  & Common
  & (
    /** An executable, by absolute path where the code starts it by path, else from PATH. */
    | { kind: 'program'; name: string; path?: string }
    /** A GStreamer element factory; `captures`: needed only for these capture sources. */
    | { kind: 'gstElement'; name: string; captures?: readonly CaptureKind[] }
    | { kind: 'ffmpegComponent'; component: FfmpegComponentKind; name: string }
    /** A dynamic nginx module (load_module) by file, or one built into Debian's nginx. */
    | { kind: 'nginxModule'; name: string; file?: string; configureFlag?: string }
    /** A GObject-Introspection typelib node-gtk loads (`Gst-1.0`). */
    | { kind: 'typelib'; name: string }
    /** A font family pango's overlays ask for. */
    | { kind: 'font'; name: string }
    /** A header file the node-gtk build compiles against. */
    | { kind: 'header'; name: string; path: string }
  );

export type RequirementKind = Requirement['kind'];

/** The dynamic module the encoder's nginx.conf loads (appliance/encoder/nginx/nginx_conf.ts). */
export const RTMP_MODULE_PATH = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

const ENCODER = ['encoder'] as const;
const COLLECTOR = ['collector'] as const;
const TEST = ['test'] as const;

function programs(
  roles: readonly Role[],
  pkg: string,
  usedBy: string,
  ...names: string[]
): Requirement[] {
  return names.map((name) => {
    const path = name.startsWith('/') ? name : undefined;
    const base = path ? name.slice(name.lastIndexOf('/') + 1) : name;
    return { kind: 'program', name: base, ...(path ? { path } : {}), roles, package: pkg, usedBy };
  });
}

function gst(
  pkg: string,
  usedBy: string,
  names: string[],
  options: { roles?: readonly Role[]; captures?: readonly CaptureKind[] } = {},
): Requirement[] {
  return names.map((name) => ({
    kind: 'gstElement',
    name,
    roles: options.roles ?? COLLECTOR,
    package: pkg,
    usedBy,
    ...(options.captures ? { captures: options.captures } : {}),
  }));
}

function ffmpeg(
  roles: readonly Role[],
  component: FfmpegComponentKind,
  usedBy: string,
  ...names: string[]
): Requirement[] {
  return names.map((name) => ({
    kind: 'ffmpegComponent',
    component,
    name,
    roles,
    package: 'ffmpeg',
    usedBy,
  }));
}

const CAPTURE = 'the collector capture pipeline (appliance/collector/pipeline/describe.ts)';
const LADDER = 'the encoder ladder (appliance/encoder/ffmpeg/argv.ts)';
const SUITE_MEDIA = 'test publishers and media checks in the suite';
const SLATE = 'the "be right back" slate (appliance/encoder/ffmpeg/slate_argv.ts)';

export const REQUIREMENTS: readonly Requirement[] = [
  // Every box: readiness and status for systemd Type=notify units (core/systemd/notify.ts).
  ...programs(
    ['edge', 'encoder', 'collector'],
    'systemd',
    'READY=1 and STATUS= for the systemd units',
    '/usr/bin/systemd-notify',
  ),
  ...programs(
    ['encoder', 'collector'],
    'systemd',
    'the watchdog restarting a wedged unit',
    'systemctl',
  ),
  ...programs(['edge'], 'openssh-client', 'roomcast push (one SSH session per box)', 'ssh'),

  // The encoder: nginx-rtmp ingest and HLS, one ffmpeg per live room.
  ...programs(ENCODER, 'nginx', 'the ingest and HLS server', '/usr/sbin/nginx'),
  ...programs(ENCODER, 'ffmpeg', LADDER, 'ffmpeg'),
  ...programs(ENCODER, 'ffmpeg', 'probing the ingest (appliance/encoder/source.ts)', 'ffprobe'),
  {
    kind: 'nginxModule',
    name: 'rtmp',
    file: RTMP_MODULE_PATH,
    roles: ENCODER,
    package: 'libnginx-mod-rtmp',
    usedBy: 'the RTMP ingest (nginx.conf load_module)',
  },
  {
    kind: 'nginxModule',
    name: 'secure_link',
    configureFlag: '--with-http_secure_link_module',
    roles: ENCODER,
    package: 'nginx',
    usedBy: 'playback tokens checked on every playlist and segment',
  },
  ...ffmpeg(ENCODER, 'demuxer', LADDER, 'flv'),
  ...ffmpeg(ENCODER, 'protocol', LADDER, 'rtmp', 'file'),
  ...ffmpeg(ENCODER, 'decoder', LADDER, 'h264', 'aac'),
  ...ffmpeg(ENCODER, 'filter', LADDER, 'split', 'fps', 'scale', 'setsar'),
  ...ffmpeg(
    ENCODER,
    'filter',
    'the ladder keyframe probe (ffmpeg/keyframe_watch.ts)',
    'select',
    'showinfo',
    'nullsink',
  ),
  ...ffmpeg(ENCODER, 'encoder', LADDER, 'libx264', 'libvpx-vp9', 'aac'),
  // The "be right back" slate (ffmpeg/slate_argv.ts): a colour picture with text, silence.
  ...ffmpeg([...ENCODER, ...TEST], 'demuxer', SLATE, 'lavfi'),
  ...ffmpeg(ENCODER, 'filter', SLATE, 'color', 'drawtext'),
  ...ffmpeg([...ENCODER, ...TEST], 'filter', SLATE, 'anullsrc'),
  // fMP4 HLS: the hls muxer writes its segments through the mp4 muxer.
  ...ffmpeg(ENCODER, 'muxer', LADDER, 'hls', 'mp4'),

  // The collector: GStreamer through node-gtk.
  ...programs(
    COLLECTOR,
    'gstreamer1.0-tools',
    'roomcast doctor (element checks)',
    'gst-inspect-1.0',
  ),
  ...programs(
    [...COLLECTOR, ...ENCODER],
    'fontconfig',
    'roomcast doctor (font checks)',
    'fc-match',
  ),
  ...[
    { name: 'Gst-1.0', package: 'gir1.2-gstreamer-1.0' },
    { name: 'GstApp-1.0', package: 'gir1.2-gst-plugins-base-1.0' },
    { name: 'GstVideo-1.0', package: 'gir1.2-gst-plugins-base-1.0' },
  ].map((typelib): Requirement => ({
    kind: 'typelib',
    ...typelib,
    roles: COLLECTOR,
    usedBy: 'the pipeline worker (node-gtk, appliance/collector/worker/gst.ts)',
  })),
  ...gst('libgstreamer1.0-0', CAPTURE, ['queue', 'tee', 'valve', 'filesink']),
  ...gst('gstreamer1.0-plugins-base', CAPTURE, [
    'videoconvert',
    'videoscale',
    'videorate',
    'audioconvert',
    'audioresample',
    'appsrc',
    'appsink',
  ]),
  ...gst('gstreamer1.0-plugins-good', CAPTURE, [
    'deinterlace',
    'level',
    'aacparse',
    'flvmux',
    'splitmuxsink',
    'jpegenc',
  ]),
  ...gst('gstreamer1.0-plugins-ugly', CAPTURE, ['x264enc']),
  ...gst('gstreamer1.0-plugins-bad', CAPTURE, ['voaacenc', 'h264parse', 'mpegtsmux', 'rtmp2sink']),
  // The test source: pattern, tone and beep, with the clock and room name burned in.
  ...gst('gstreamer1.0-plugins-base', 'the test source', [
    'videotestsrc',
    'audiotestsrc',
    'audiomixer',
  ], { captures: ['test'] }),
  ...gst('gstreamer1.0-x', 'the test source (clock and room name)', [
    'timeoverlay',
    'textoverlay',
  ], { captures: ['test'] }),
  {
    kind: 'font',
    name: 'Monospace',
    roles: COLLECTOR,
    package: 'fonts-dejavu-core',
    usedBy: "the test source's overlays (pango)",
  },
  {
    kind: 'font',
    name: 'Sans',
    roles: [...COLLECTOR, ...ENCODER],
    package: 'fonts-dejavu-core',
    usedBy: "the test source's overlays (pango), the encoder's slate (drawtext)",
  },
  // Grabbers: decodebin picks jpegdec for MJPEG modes and avdec_h264 for H.264 ones.
  ...gst('gstreamer1.0-plugins-good', 'USB/HDMI grabbers (V4L2)', ['v4l2src', 'jpegdec'], {
    captures: ['v4l2'],
  }),
  ...gst('gstreamer1.0-plugins-base', 'USB/HDMI grabbers (V4L2)', ['decodebin'], {
    captures: ['v4l2'],
  }),
  ...gst('gstreamer1.0-libav', 'USB/HDMI grabbers that send H.264', ['avdec_h264'], {
    captures: ['v4l2'],
  }),
  ...gst('gstreamer1.0-plugins-bad', 'Blackmagic DeckLink cards', [
    'decklinkvideosrc',
    'decklinkaudiosrc',
  ], { captures: ['decklink'] }),
  ...gst('gstreamer1.0-alsa', 'ALSA audio interfaces', ['alsasrc'], { captures: ['alsa'] }),
  ...gst('gstreamer1.0-plugins-good', 'PulseAudio / PipeWire audio', ['pulsesrc'], {
    captures: ['pulse'],
  }),

  // Building node-gtk (npm rebuild node-gtk --build-from-source), on collectors and here.
  ...programs(['build'], 'g++', 'compiling node-gtk', 'g++'),
  ...programs(['build'], 'make', 'compiling node-gtk', 'make'),
  // node-gyp takes python3 from PATH; Debian's is the one a fresh box has.
  ...programs(['build'], 'python3', 'node-gyp', '/usr/bin/python3'),
  {
    kind: 'header',
    name: 'girepository.h',
    path: '/usr/include/gobject-introspection-1.0/girepository.h',
    roles: ['build'],
    package: 'libgirepository1.0-dev',
    usedBy: 'compiling node-gtk',
  },
  {
    kind: 'header',
    name: 'cairo.h',
    path: '/usr/include/cairo/cairo.h',
    roles: ['build'],
    package: 'libcairo2-dev',
    usedBy: 'compiling node-gtk',
  },

  // Only the test suite starts these.
  ...programs(TEST, 'chromium', 'page and player tests (playwright-core)', '/usr/bin/chromium'),
  ...programs(
    TEST,
    'redis-server',
    'the live-store and redis-bridge tests',
    '/usr/bin/redis-server',
  ),
  ...programs(TEST, 'openssh-server', 'roomcast push against a real sshd', '/usr/sbin/sshd'),
  ...programs(TEST, 'openssh-client', 'roomcast push tests', 'ssh-keygen'),
  ...programs(
    TEST,
    'systemd',
    'unit file and readiness tests',
    '/usr/bin/systemd-analyze',
    '/usr/bin/systemd-socket-activate',
  ),
  ...programs(TEST, 'shellcheck', 'the lint step', 'shellcheck'),
  // sqld panics at start without a CA bundle in /etc/ssl/certs (minimal Debian has none);
  // the package's own program stands for the bundle it builds there.
  ...programs(
    TEST,
    'ca-certificates',
    'sqld, the libSQL server the suite starts',
    '/usr/sbin/update-ca-certificates',
  ),
  ...programs(TEST, 'git', 'the checkout tests', 'git'),
  ...programs(
    TEST,
    'prometheus',
    'the /metrics tests (promtool check metrics, a real Prometheus scraping an edge)',
    'prometheus',
    'promtool',
  ),
  ...programs(TEST, 'ffmpeg', SUITE_MEDIA, '/usr/bin/ffmpeg', '/usr/bin/ffprobe'),
  ...programs(TEST, 'gstreamer1.0-tools', SUITE_MEDIA, 'gst-launch-1.0'),
  ...ffmpeg(TEST, 'filter', SUITE_MEDIA, 'testsrc', 'testsrc2', 'sine'),
  ...ffmpeg(TEST, 'encoder', SUITE_MEDIA, 'libx265', 'libaom-av1', 'libopus', 'ac3'),
  ...ffmpeg(TEST, 'muxer', SUITE_MEDIA, 'flv', 'null'),
  ...gst('libgstreamer1.0-0', SUITE_MEDIA, ['fakesink'], { roles: TEST }),
  ...gst('gstreamer1.0-plugins-good', SUITE_MEDIA, ['progressreport'], { roles: TEST }),
];

/** The role names `--role` takes: each role, or `all` for the three boxes. */
export const BOX_ROLES = ['edge', 'encoder', 'collector'] as const satisfies readonly Role[];

/** The items a set of roles needs (an item of several roles once). */
export function requirementsFor(roles: readonly Role[]): Requirement[] {
  return REQUIREMENTS.filter((r) => r.roles.some((role) => roles.includes(role)));
}

/** How an item is named in reports: `GStreamer element timeoverlay`. */
export function describeRequirement(r: Requirement): string {
  switch (r.kind) {
    case 'program':
      return `program ${r.path ?? r.name}`;
    case 'gstElement':
      return `GStreamer element ${r.name}`;
    case 'ffmpegComponent':
      return `ffmpeg ${r.component} ${r.name}`;
    case 'nginxModule':
      return `nginx module ${r.name}`;
    case 'typelib':
      return `typelib ${r.name}`;
    case 'font':
      return `font ${r.name}`;
    case 'header':
      return `header ${r.path}`;
  }
}
