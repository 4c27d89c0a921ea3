// One logger for every roomcast process: labelled lines on stdout/stderr so journald keeps
// them (`[edge] [room:main-hall] publish allowed`), or JSON lines behind a flag.
// Secrets are never passed to it by design; `redactSecrets` is a last safety net for
// text that came from elsewhere (a URL, a tool's stderr) and might carry one.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry extra labels, e.g. `log.child({ room: 'main-hall' })`. */
  child(labels: Record<string, string>): Logger;
}

export type LogSink = (level: LogLevel, line: string) => void;

export interface LoggerOptions {
  component: string;
  level?: LogLevel;
  json?: boolean;
  /** Where lines go; defaults to console (stdout for debug/info, stderr for warn/error). */
  sink?: LogSink;
  /** Clock for JSON timestamps; injectable so tests are deterministic. */
  now?: () => Date;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Query parameters and `name: value` pairs whose values must never reach a log.
const SECRET_NAMES = 'key|streamkey|stream_key|token|secret|password|passwd|sig|signature|auth';
const SECRET_PAIR = new RegExp(`\\b(${SECRET_NAMES})(=|:\\s*)([^&\\s"',;]+)`, 'gi');
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g;

/** Replaces the values of secret-looking `name=value` pairs and bearer tokens with `***`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PAIR, '$1$2***').replace(BEARER, '$1 ***');
}

const consoleSink: LogSink = (level, line) => {
  if (level === 'warn' || level === 'error') console.error(line);
  else console.log(line);
};

export function createLogger(options: LoggerOptions): Logger {
  return makeLogger(options, { [options.component]: '' });
}

function makeLogger(options: LoggerOptions, labels: Record<string, string>): Logger {
  const threshold = LEVEL_ORDER[options.level ?? 'info'];
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? (() => new Date());

  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVEL_ORDER[level] < threshold) return;
    const text = redactSecrets(message);
    if (options.json) {
      const record: Record<string, unknown> = { time: now().toISOString(), level };
      for (const [name, value] of Object.entries(labels)) {
        record[value ? name : 'component'] = value || name;
      }
      record.msg = text;
      for (const [name, value] of Object.entries(fields ?? {})) {
        record[name] = typeof value === 'string' ? redactSecrets(value) : value;
      }
      sink(level, JSON.stringify(record));
      return;
    }
    const prefix = Object.entries(labels)
      .map(([name, value]) => (value ? `[${name}:${value}]` : `[${name}]`))
      .join(' ');
    const suffix = Object.entries(fields ?? {})
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}=${redactSecrets(String(value))}`)
      .join(' ');
    const levelTag = level === 'info' ? '' : `${level.toUpperCase()} `;
    sink(level, `${prefix} ${levelTag}${text}${suffix ? ` ${suffix}` : ''}`);
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (extra) => makeLogger(options, { ...labels, ...extra }),
  };
}

/** A logger that keeps its lines in memory, for tests that check what was (not) logged. */
export function createMemoryLogger(component = 'test'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    component,
    level: 'debug',
    sink: (_level, line) => lines.push(line),
  });
  return Object.assign(logger, { lines });
}
