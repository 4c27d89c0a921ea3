// The agent's side of nginx-rtmp's control and statistics, over the unix socket the
// rendered conf serves them on (never a TCP port): drop a publisher the edge cut off or a
// ghost of a room, and read which streams are live with their publisher and metadata.
//
// rtmp_stat answers XML. A small tag reader is enough for it: nginx-rtmp writes plain
// elements, no attributes that matter, no CDATA; text is entity-escaped.
import { request } from 'node:http';

export interface DropTarget {
  /** RTMP application, e.g. 'live'. */
  app: string;
  /** Stream name (after the rename: the room id). Without it, every stream of `app` is searched. */
  name?: string;
  /** nginx-rtmp client id (the hooks' `clientid`): only this connection is dropped. */
  clientId?: string;
  /** Only connections from this address (dropClient). */
  addr?: string;
}

export interface VideoMeta {
  width: number;
  height: number;
  frameRate: number;
  /** e.g. 'H264'. */
  codec: string;
  /** e.g. 'High', 'Baseline'. */
  profile: string;
  /** e.g. '3.1'. */
  level: string;
}

export interface AudioMeta {
  /** e.g. 'AAC'. */
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface StreamStat {
  /** The stream's name in nginx: the room id once on_publish renamed it. */
  name: string;
  publisher: {
    clientId: string;
    addr: string;
    /** Bytes received on the stream (the publisher is its only input). */
    bytesIn: number;
    /** Milliseconds since the publisher connected. */
    time: number;
  } | null;
  /** Connected players (this node's own ffmpeg readers). */
  players: number;
  /** What the publisher announced in its metadata; null until it has. */
  meta: { video: VideoMeta | null; audio: AudioMeta | null } | null;
  /** Incoming bits per second, as nginx-rtmp last computed it (every few seconds). */
  bwIn: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** GET `path` from nginx over the control socket; rejects on a non-200 answer. */
export function controlGet(
  socketPath: string,
  path: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`nginx control ${path.split('?')[0]}: answer too large`));
        } else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else {
          // rtmp_control explains a 400 in its body ("Application not found", …).
          reject(
            new Error(
              `nginx control ${path.split('?')[0]}: ${res.statusCode} ${body.trim().slice(0, 200)}`,
            ),
          );
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`nginx control: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function dropQuery(target: DropTarget): string {
  const query = new URLSearchParams({ app: target.app });
  if (target.name !== undefined) query.set('name', target.name);
  if (target.clientId !== undefined) query.set('clientid', target.clientId);
  if (target.addr !== undefined) query.set('addr', target.addr);
  return query.toString();
}

async function drop(socketPath: string, what: string, target: DropTarget): Promise<number> {
  const body = await controlGet(socketPath, `/control/drop/${what}?${dropQuery(target)}`);
  const dropped = Number(body.trim());
  if (!Number.isInteger(dropped)) throw new Error(`nginx control: unexpected answer to a drop`);
  return dropped;
}

/**
 * Ends a publishing connection (nginx then sends on_publish_done). Resolves with how many
 * were dropped: 0 when no stream or publisher matches, which is not an error (it may have
 * gone by itself). With `clientId` only that connection is dropped, never a newer
 * publisher that took the room over.
 */
export function dropPublisher(
  socketPath: string,
  target: { app: string; name?: string; clientId: string },
): Promise<number> {
  return drop(socketPath, 'publisher', target);
}

/** Ends any connection (publisher or player) matching the target; resolves with how many. */
export function dropClient(socketPath: string, target: DropTarget): Promise<number> {
  return drop(socketPath, 'client', target);
}

// ---------------------------------------------------------------- rtmp_stat XML

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text, entity-decoded and trimmed. */
  text: string;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

/**
 * Reads well-formed, attribute-free XML as nginx-rtmp writes it into a tree under a
 * synthetic root (name ''). Declarations, processing instructions and comments are
 * skipped; a stray closing tag or an unclosed element is an error.
 */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.-]*)(?:\s[^>]*?)?(\/?)>|([^<]+)|(<)/g;
  let text: string[] = [];
  for (const match of xml.matchAll(token)) {
    const [, cdata, closing, name, selfClosing, chars, stray] = match;
    const top = stack.at(-1)!;
    if (stray) throw new Error('rtmp_stat: malformed XML');
    if (chars !== undefined) {
      text.push(decodeEntities(chars));
      continue;
    }
    if (cdata !== undefined) {
      text.push(cdata);
      continue;
    }
    if (name === undefined) continue; // comment, declaration, processing instruction
    if (closing) {
      if (top.name !== name || stack.length === 1) {
        throw new Error(`rtmp_stat: unexpected </${name}>`);
      }
      top.text = text.join('').trim();
      text = [];
      stack.pop();
      continue;
    }
    const element: XmlElement = { name, children: [], text: '' };
    top.children.push(element);
    text = [];
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`rtmp_stat: <${stack.at(-1)!.name}> is not closed`);
  return root;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name) ?? [];
}

function textOf(element: XmlElement | undefined, name: string): string {
  return child(element, name)?.text ?? '';
}

function numberOf(element: XmlElement | undefined, name: string): number {
  const value = Number(textOf(element, name));
  return Number.isFinite(value) ? value : 0;
}

function videoMeta(video: XmlElement | undefined): VideoMeta | null {
  if (!video) return null;
  return {
    width: numberOf(video, 'width'),
    height: numberOf(video, 'height'),
    frameRate: numberOf(video, 'frame_rate'),
    codec: textOf(video, 'codec'),
    profile: textOf(video, 'profile'),
    level: textOf(video, 'level'),
  };
}

function audioMeta(audio: XmlElement | undefined): AudioMeta | null {
  if (!audio) return null;
  return {
    codec: textOf(audio, 'codec'),
    sampleRate: numberOf(audio, 'sample_rate'),
    channels: numberOf(audio, 'channels'),
  };
}

function streamStat(stream: XmlElement): StreamStat {
  const clients = children(stream, 'client');
  const publishing = clients.find((c) => child(c, 'publishing'));
  const meta = child(stream, 'meta');
  return {
    name: textOf(stream, 'name'),
    publisher: publishing
      ? {
        clientId: textOf(publishing, 'id'),
        addr: textOf(publishing, 'address'),
        bytesIn: numberOf(stream, 'bytes_in'),
        time: numberOf(publishing, 'time'),
      }
      : null,
    players: clients.length - (publishing ? 1 : 0),
    meta: meta
      ? { video: videoMeta(child(meta, 'video')), audio: audioMeta(child(meta, 'audio')) }
      : null,
    bwIn: numberOf(stream, 'bw_in'),
  };
}

/** The live streams of `app` (every application when omitted) in an rtmp_stat document. */
export function parseStreamStats(xml: string, app?: string): StreamStat[] {
  const rtmp = child(parseXml(xml), 'rtmp');
  if (!rtmp) throw new Error('rtmp_stat: no <rtmp> element');
  const streams: StreamStat[] = [];
  for (const server of children(rtmp, 'server')) {
    for (const application of children(server, 'application')) {
      if (app !== undefined && textOf(application, 'name') !== app) continue;
      for (const stream of children(child(application, 'live'), 'stream')) {
        streams.push(streamStat(stream));
      }
    }
  }
  return streams;
}

/** Every live stream nginx holds (of `app` when given), as rtmp_stat reports it now. */
export async function readStreams(socketPath: string, app?: string): Promise<StreamStat[]> {
  return parseStreamStats(await controlGet(socketPath, '/stat'), app);
}
