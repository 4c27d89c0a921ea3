// On the box: the conversation with one `roomcast push`, request by request (see
// core/push/protocol.ts). A read answers what the box has; an apply runs to its end —
// also when the pusher goes away meanwhile (Ctrl-C, a dropped connection): a box is
// never left between two configs because its operator's laptop closed.
import { type BoxMessage, boxRequest, PUSH_PROTOCOL } from '../../core/push/protocol.ts';
import { applyConfig, type BoxApplyDeps } from './box_apply.ts';

export interface BoxSessionDeps extends Omit<BoxApplyDeps, 'step'> {
  /** The roomcast version of this box. */
  version: string;
}

/** Handles requests until the input ends; resolves to the exit code. */
export async function runBoxSession(
  lines: AsyncIterable<string>,
  send: (message: BoxMessage) => void,
  deps: BoxSessionDeps,
): Promise<number> {
  let applied = false;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let parsed;
    try {
      parsed = boxRequest.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      send({ type: 'error', message: 'not a push request (a pusher of another version?)' });
      return 2;
    }
    const request = parsed.data;
    if (request.op === 'read') {
      const layout = await deps.store.read(request.nonce);
      send({ type: 'state', protocol: PUSH_PROTOCOL, version: deps.version, ...layout });
    } else {
      if (applied) {
        send({ type: 'error', message: 'one apply per session' });
        return 2;
      }
      applied = true;
      send(await applyConfig(request, { ...deps, step: (step) => send({ type: 'step', step }) }));
    }
  }
  return 0;
}
