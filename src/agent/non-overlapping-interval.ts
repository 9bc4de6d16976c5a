// A timer for periodic work that must not overlap itself: a tick that finds
// the previous run still going is skipped. The timer does not keep the
// process alive; errors go to `onError`.

export function nonOverlappingInterval(ms: number, fn: () => Promise<unknown>, onError: (err: unknown) => void): NodeJS.Timeout | undefined {
  if (!(ms > 0)) return undefined;
  let running = false;
  const t = setInterval(() => {
    if (running) return;
    running = true;
    fn()
      .catch(onError)
      .finally(() => (running = false));
  }, ms);
  t.unref();
  return t;
}
