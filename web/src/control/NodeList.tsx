// The boxes: encoders and collectors, whether their heartbeats come in, how long ago the
// last one did, and their load and watchdog.
import type { NodeInfo } from './control_api.ts';
import { ageText } from './levels.ts';

/** An encoder's rooms, CPU and viewers; a collector carries its one room and says so elsewhere. */
function loadText(node: NodeInfo): string {
  if (!node.load || node.kind !== 'encoder') return '—';
  const { rooms, cpuLoad, viewers } = node.load;
  return `${rooms}/${node.capacity} rooms · CPU ${
    Math.round(cpuLoad * 100)
  } % · ${viewers} viewers`;
}

export function NodeList(props: { nodes: NodeInfo[]; now: number }) {
  return (
    <section class='panel' aria-labelledby='nodes-title'>
      <h2 id='nodes-title'>Nodes</h2>
      {props.nodes.length === 0 ? <p>No nodes added yet.</p> : (
        <table class='nodes'>
          <thead>
            <tr>
              <th scope='col'>Node</th>
              <th scope='col'>State</th>
              <th scope='col'>Heartbeat</th>
              <th scope='col'>Load</th>
              <th scope='col'>Watchdog</th>
            </tr>
          </thead>
          <tbody>
            {props.nodes.map((node) => (
              <tr key={node.id} data-node={node.id} data-state={node.state}>
                <th scope='row'>
                  {node.id} <small>{node.kind}</small>
                </th>
                <td>
                  <span class={`state node-${node.state}`}>{node.state.toUpperCase()}</span>
                </td>
                <td data-heartbeat-age>{ageText(node.lastHeartbeatAt, props.now)}</td>
                <td>{loadText(node)}</td>
                <td>{node.watchdog ? node.watchdog.state : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
