// A clock that re-renders its component: relative times ("2 min ago") and the age of the
// last snapshot must keep moving even when no status arrives, which is exactly when they
// matter.
import { useEffect, useState } from 'preact/hooks';

export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
