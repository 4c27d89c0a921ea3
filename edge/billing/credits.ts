// Credits as people read them (up to three decimals) and as the ledger counts them
// (whole milli-credits), and the plan an account is billed by.
import type { EdgeSettings } from '../deps.ts';

export type Plan = EdgeSettings['billing']['plans'][number];

export function toMilli(credits: number): number {
  return Math.round(credits * 1000);
}

export function fromMilli(milli: number): number {
  return milli / 1000;
}

/** The account's plan, or the default plan when it names none (or one since removed). */
export function planOf(settings: EdgeSettings, name: string | null): Plan {
  const { plans, defaultPlan } = settings.billing;
  return plans.find((p) => p.name === name) ?? plans.find((p) => p.name === defaultPlan)!;
}
