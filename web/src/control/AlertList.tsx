// Open alerts, newest first, each with who is on it or a button to say you are.
import type { Alert } from './control_api.ts';
import { ageText } from './levels.ts';

export function AlertList(props: {
  alerts: Alert[];
  deadDeliveries: number;
  now: number;
  onAcknowledge(alert: Alert): void;
}) {
  return (
    <section class='panel' aria-labelledby='alerts-title'>
      <h2 id='alerts-title'>
        Alerts {props.alerts.length > 0 && <span class='count'>{props.alerts.length}</span>}
      </h2>
      {props.deadDeliveries > 0 && (
        <p class='warning' data-dead-deliveries>
          {props.deadDeliveries} webhook deliveries failed for good; see{' '}
          <code>GET /api/v1/alerts/deliveries?state=dead</code>
        </p>
      )}
      {props.alerts.length === 0 ? <p data-no-alerts>All quiet.</p> : (
        <ul class='alerts'>
          {props.alerts.map((alert) => (
            <li
              key={alert.id}
              class={`alert-${alert.severity}`}
              data-alert={alert.rule}
              data-alert-room={alert.roomId ?? ''}
            >
              <strong>{alert.severity}</strong> {alert.message}{' '}
              <small>{ageText(alert.firedAt, props.now)}</small> {alert.acknowledgedBy
                ? <small data-acknowledged>on it: {alert.acknowledgedBy}</small>
                : (
                  <button
                    type='button'
                    class='button secondary'
                    onClick={() => props.onAcknowledge(alert)}
                  >
                    Acknowledge
                  </button>
                )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
