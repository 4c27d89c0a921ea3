// What this machine has, asked the way the code will use it: programs on PATH or at their
// path, the element factories GStreamer's registry knows (gst-inspect-1.0, so the
// environment's GST_PLUGIN_* settings count as they do for the worker), what this ffmpeg
// was built with, nginx's built-in modules, typelibs, fonts and files. Each question is
// asked once per Machine; every child gets an argv array and a time limit.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import process from 'node:process';
import type { FfmpegComponentKind } from './catalogue.ts';

export interface Machine {
  /** The program's resolved path, or null when there is no executable of that name. */
  findProgram(name: string, path?: string): Promise<string | null>;
  /** Every GStreamer element factory name; null when gst-inspect-1.0 cannot be run. */
  gstFactories(): Promise<ReadonlySet<string> | null>;
  /** What ffmpeg lists for `-encoders` etc.; null when ffmpeg cannot be run. */
  ffmpegComponents(kind: FfmpegComponentKind): Promise<ReadonlySet<string> | null>;
  /** nginx -V's configure arguments; null when nginx cannot be run. */
  nginxConfigureArguments(): Promise<string | null>;
  isFile(path: string): Promise<boolean>;
  /** Where the typelib `Gst-1.0` is, or null. */
  findTypelib(name: string): Promise<string | null>;
  /** The font file fontconfig gives for a family, or null (no fc-match, no fonts). */
  fontFile(family: string): Promise<string | null>;
}

const CHILD_TIMEOUT_MS = 30_000;

function output(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: env ?? process.env },
      (error, stdout, stderr) => resolve(error ? null : `${stdout}${stderr}`),
    );
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `gst-inspect-1.0` without arguments: `plugin:  factory: Long name` lines. */
export function parseGstInspectList(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^[\w.-]+:\s+([\w.-]+):\s/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

const FFMPEG_LIST_FLAG: Record<FfmpegComponentKind, string> = {
  encoder: '-encoders',
  decoder: '-decoders',
  muxer: '-muxers',
  demuxer: '-demuxers',
  protocol: '-protocols',
  filter: '-filters',
};

/**
 * The names in one of ffmpeg's lists (ffmpeg 5.1's layouts): ` V....D libx264  …` for
 * codecs, ` DE mov,mp4,m4a  …` for formats (ffmpeg 5.1: two flags), ` TSC split  …` for filters, and indented
 * names under `Input:`/`Output:` for protocols.
 */
export function parseFfmpegList(kind: FfmpegComponentKind, text: string): Set<string> {
  const names = new Set<string>();
  const pattern = {
    encoder: /^ [VASFXBD.]{6} (\S+)/,
    decoder: /^ [VASFXBD.]{6} (\S+)/,
    muxer: /^ [D ][E ] (\S+)/,
    demuxer: /^ [D ][E ] (\S+)/,
    filter: /^ [T.][S.][C.] (\S+)/,
    protocol: /^ {2}(\S+)$/,
  }[kind];
  // Codec and format lists start after a `--` or ` ------` rule under the legend; the
  // legends of the others never match their patterns.
  let listed = kind === 'protocol' || kind === 'filter';
  for (const line of text.split('\n')) {
    if (!listed) {
      listed = /^\s*-+\s*$/.test(line);
      continue;
    }
    const match = pattern.exec(line);
    if (match) { for (const name of match[1]!.split(',')) names.add(name); }
  }
  return names;
}

/** Directories GObject-Introspection looks in: GI_TYPELIB_PATH, then the system's. */
async function typelibDirs(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dirs = (env.GI_TYPELIB_PATH ?? '').split(delimiter).filter(Boolean);
  for (const lib of ['/usr/lib', '/usr/local/lib']) {
    dirs.push(join(lib, 'girepository-1.0'));
    // Debian's multiarch directories, e.g. /usr/lib/x86_64-linux-gnu/girepository-1.0.
    const entries = await readdir(lib).catch(() => [] as string[]);
    for (const entry of entries) {
      if (entry.endsWith('-linux-gnu')) dirs.push(join(lib, entry, 'girepository-1.0'));
    }
  }
  return dirs;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}

/** This machine, as the environment `env` sees it (PATH, GST_PLUGIN_*, GI_TYPELIB_PATH). */
export function localMachine(env: NodeJS.ProcessEnv = process.env): Machine {
  const findProgram = async (name: string, path?: string) => {
    if (path) return (await isExecutable(path)) ? path : null;
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
    return null;
  };
  const run = async (program: string, args: string[]) => {
    const file = await findProgram(program);
    return file ? output(file, args, env) : null;
  };
  const gstFactories = once(async () => {
    const text = await run('gst-inspect-1.0', []);
    return text === null ? null : parseGstInspectList(text);
  });
  const ffmpegLists = new Map<FfmpegComponentKind, Promise<ReadonlySet<string> | null>>();
  return {
    findProgram,
    gstFactories,
    ffmpegComponents(kind) {
      let list = ffmpegLists.get(kind);
      if (!list) {
        list = run('ffmpeg', ['-hide_banner', FFMPEG_LIST_FLAG[kind]]).then((text) =>
          text === null ? null : parseFfmpegList(kind, text)
        );
        ffmpegLists.set(kind, list);
      }
      return list;
    },
    nginxConfigureArguments: once(async () => {
      const text = await output('/usr/sbin/nginx', ['-V'], env);
      return text === null ? null : /configure arguments:(.*)/.exec(text)?.[1] ?? '';
    }),
    async isFile(path) {
      return (await stat(path).catch(() => null))?.isFile() ?? false;
    },
    async findTypelib(name) {
      for (const dir of await typelibDirs(env)) {
        const file = join(dir, `${name}.typelib`);
        if ((await stat(file).catch(() => null))?.isFile()) return file;
      }
      return null;
    },
    async fontFile(family) {
      const file = await run('fc-match', ['-f', '%{file}', family]);
      if (!file) return null;
      return (await stat(file).catch(() => null))?.isFile() ? file : null;
    },
  };
}
