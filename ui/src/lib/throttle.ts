// Leading-edge throttle: runs `fn` at most once per `ms`; calls in between are dropped.
export function throttle(fn: () => void, ms: number, clock: () => number = Date.now): () => void {
  let last = -Infinity;
  return () => {
    const t = clock();
    if (t - last < ms) return;
    last = t;
    fn();
  };
}
