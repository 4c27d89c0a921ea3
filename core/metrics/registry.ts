// Prometheus metrics without a dependency: counters, gauges and histograms with labels,
// rendered in the text exposition format 0.0.4 that Prometheus scrapes. Web APIs only, so
// the edge uses it on Node and Deno alike. One registry per process or app instance, never
// a module singleton: tests that build several edges in one process count separately.

/** The Content-Type of `expose()`'s text, as Prometheus expects it. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Prometheus' default buckets, in seconds: 5 ms to 10 s. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export type Labels<L extends string> = { readonly [K in L]: string };

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Label sets shown from the start at 0, so rate() sees them before their first event. */
  series?: readonly Labels<L>[];
}

export interface Counter<L extends string> {
  inc(labels: Labels<L>, by?: number): void;
  value(labels: Labels<L>): number;
}

export interface Gauge<L extends string> {
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, by?: number): void;
  value(labels: Labels<L>): number;
  /** Forgets every series (a room that is gone is no longer reported). */
  reset(): void;
}

export interface Histogram<L extends string> {
  observe(labels: Labels<L>, value: number): void;
  /** Starts timing; the returned function observes the seconds since, and returns them. */
  startTimer(labels: Labels<L>): () => number;
  count(labels: Labels<L>): number;
  sum(labels: Labels<L>): number;
}

/** What a scrape-time reading sets: a value per label set (the rest were reset). */
export interface Reading<L extends string> {
  set(labels: Labels<L>, value: number): void;
}

export interface MetricsRegistry<Context = void> {
  /**
   * `collect` makes a counter whose count is kept elsewhere (a supervisor's restarts):
   * read at every scrape, like a collected gauge.
   */
  counter<const L extends string = never>(
    options: MetricOptions<L> & {
      collect?: (counter: Reading<L>, context: Context) => void | Promise<void>;
    },
  ): Counter<L>;
  /**
   * `collect` makes a gauge read at scrape time: the gauge is reset, then `collect` sets it
   * from what it reads (the database, a status snapshot) with the context `expose` got.
   */
  gauge<const L extends string = never>(
    options: MetricOptions<L> & {
      collect?: (gauge: Gauge<L>, context: Context) => void | Promise<void>;
    },
  ): Gauge<L>;
  histogram<const L extends string = never>(
    options: MetricOptions<L> & { buckets?: readonly number[] },
  ): Histogram<L>;
  /** The text Prometheus scrapes; concurrent calls run one after the other. */
  expose(context: Context): Promise<string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A sample value as the format spells it: `+Inf`, `-Inf`, `NaN` or a decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Label values may hold anything: backslash, double quote and newline are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

interface Metric {
  render(lines: string[]): void;
  collect?(context: unknown): void | Promise<void>;
}

export function createMetricsRegistry<Context = void>(): MetricsRegistry<Context> {
  const metrics = new Map<string, Metric>();
  let exposing: Promise<unknown> = Promise.resolve();

  /** Checks the names once, and keys a series by its rendered label pairs. */
  const declare = <L extends string>(type: string, options: MetricOptions<L>, reserved = '') => {
    const labelNames = options.labelNames ?? [];
    if (!METRIC_NAME.test(options.name)) throw new Error(`bad metric name '${options.name}'`);
    if (metrics.has(options.name)) throw new Error(`metric '${options.name}' exists already`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === reserved) {
        throw new Error(`metric '${options.name}': bad label name '${label}'`);
      }
    }
    const pairs = (labels: Labels<L>): string => {
      const given = Object.keys(labels);
      if (given.length !== labelNames.length || labelNames.some((l) => !(l in labels))) {
        throw new Error(
          `metric '${options.name}' takes the labels [${labelNames.join(', ')}], got [${
            given.join(', ')
          }]`,
        );
      }
      return labelNames.map((l) => `${l}="${escapeLabelValue(labels[l])}"`).join(',');
    };
    const header = (lines: string[]) =>
      lines.push(
        `# HELP ${options.name} ${escapeHelp(options.help)}`,
        `# TYPE ${options.name} ${type}`,
      );
    const sample = (lines: string[], suffix: string, labelPairs: string, value: number) =>
      lines.push(
        `${options.name}${suffix}${labelPairs ? `{${labelPairs}}` : ''} ${formatValue(value)}`,
      );
    return { pairs, header, sample };
  };

  /** Counters and gauges: one number per series. */
  const scalar = <L extends string>(type: 'counter' | 'gauge', options: MetricOptions<L>) => {
    const { pairs, header, sample } = declare(type, options);
    const values = new Map<string, number>();
    const init = () => {
      for (const labels of options.series ?? []) values.set(pairs(labels), 0);
    };
    init();
    const add = (labels: Labels<L>, by: number) => {
      const key = pairs(labels);
      values.set(key, (values.get(key) ?? 0) + by);
    };
    const render = (lines: string[]) => {
      header(lines);
      for (const [labelPairs, value] of values) sample(lines, '', labelPairs, value);
    };
    const reset = () => {
      values.clear();
      init();
    };
    /** A scrape-time reading: reset, then set by `collect` through `reading`. */
    const collected = <R>(
      collect: ((reading: R, context: Context) => void | Promise<void>) | undefined,
      reading: R,
    ) =>
      collect && (async (context: unknown) => {
        reset();
        await collect(reading, context as Context);
      });
    return { pairs, values, add, render, reset, collected };
  };

  const register = (name: string, metric: Metric) => metrics.set(name, metric);

  return {
    counter<L extends string>(
      options: MetricOptions<L> & {
        collect?: (counter: Reading<L>, context: Context) => void | Promise<void>;
      },
    ): Counter<L> {
      const base = scalar('counter', options);
      const set = (labels: Labels<L>, value: number) =>
        void base.values.set(base.pairs(labels), value);
      register(options.name, {
        render: base.render,
        collect: base.collected(options.collect, { set }),
      });
      return {
        inc(labels, by = 1) {
          if (!(by >= 0)) throw new Error(`counter '${options.name}' cannot go down (${by})`);
          base.add(labels, by);
        },
        value: (labels) => base.values.get(base.pairs(labels)) ?? 0,
      };
    },

    gauge<L extends string>(
      options: MetricOptions<L> & {
        collect?: (gauge: Gauge<L>, context: Context) => void | Promise<void>;
      },
    ): Gauge<L> {
      const base = scalar('gauge', options);
      const gauge: Gauge<L> = {
        set: (labels, value) => void base.values.set(base.pairs(labels), value),
        inc: (labels, by = 1) => base.add(labels, by),
        value: (labels) => base.values.get(base.pairs(labels)) ?? 0,
        reset: base.reset,
      };
      register(options.name, {
        render: base.render,
        collect: base.collected(options.collect, gauge),
      });
      return gauge;
    },

    histogram<L extends string>(
      options: MetricOptions<L> & { buckets?: readonly number[] },
    ): Histogram<L> {
      const { pairs, header, sample } = declare('histogram', options, 'le');
      const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
      const series = new Map<string, { counts: number[]; sum: number; count: number }>();
      const seriesOf = (labels: Labels<L>) => {
        const key = pairs(labels);
        let found = series.get(key);
        if (!found) series.set(key, found = { counts: buckets.map(() => 0), sum: 0, count: 0 });
        return found;
      };
      for (const labels of options.series ?? []) seriesOf(labels);
      const observe = (labels: Labels<L>, value: number) => {
        const found = seriesOf(labels);
        buckets.forEach((bound, i) => {
          if (value <= bound) found.counts[i]!++;
        });
        found.sum += value;
        found.count++;
      };
      register(options.name, {
        render(lines) {
          header(lines);
          for (const [labelPairs, { counts, sum, count }] of series) {
            const withLe = (le: string) => `${labelPairs ? `${labelPairs},` : ''}le="${le}"`;
            buckets.forEach((bound, i) =>
              sample(lines, '_bucket', withLe(formatValue(bound)), counts[i]!)
            );
            sample(lines, '_bucket', withLe('+Inf'), count);
            sample(lines, '_sum', labelPairs, sum);
            sample(lines, '_count', labelPairs, count);
          }
        },
      });
      return {
        observe,
        startTimer(labels) {
          const started = performance.now();
          return () => {
            const seconds = (performance.now() - started) / 1000;
            observe(labels, seconds);
            return seconds;
          };
        },
        count: (labels) => series.get(pairs(labels))?.count ?? 0,
        sum: (labels) => series.get(pairs(labels))?.sum ?? 0,
      };
    },

    expose(context) {
      const run = exposing.then(async () => {
        for (const metric of metrics.values()) await metric.collect?.(context);
        const lines: string[] = [];
        for (const metric of metrics.values()) metric.render(lines);
        return `${lines.join('\n')}\n`;
      });
      exposing = run.catch(() => {});
      return run;
    },
  };
}
