/**
 * A bounded async iterator over a node's events (`node.events({ signal })`). Events are buffered
 * up to a limit while the consumer is busy; beyond it the oldest are dropped (and counted) so a
 * stalled consumer can never grow memory without bound. The iterator ends when the node closes,
 * when `signal` aborts, or when the consumer breaks out of its `for await`.
 */

/** Options of an event stream. */
export interface EventStreamOptions {
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
  /** Events buffered for a slow consumer before the oldest are dropped. Default 1024. */
  readonly maxBuffered?: number;
}

/** The producer side, kept by the node. */
export interface EventSink<T> {
  push(value: T): void;
  end(): void;
}

/** Creates a stream: the node pushes into `sink`, the user iterates `iterable`. */
export function createEventStream<T>(
  opts: EventStreamOptions,
  onDrop: (dropped: number) => void,
  onEnd: () => void,
): { sink: EventSink<T>; iterable: AsyncIterableIterator<T> } {
  const max = opts.maxBuffered ?? 1024;
  const buffer: T[] = [];
  let waiter: ((r: IteratorResult<T>) => void) | undefined;
  let ended = false;
  let dropped = 0;

  const end = (): void => {
    if (ended) return;
    ended = true;
    buffer.length = 0;
    opts.signal?.removeEventListener('abort', end);
    onEnd();
    const w = waiter;
    waiter = undefined;
    w?.({ value: undefined, done: true });
  };
  if (opts.signal?.aborted) end();
  else opts.signal?.addEventListener('abort', end, { once: true });

  const sink: EventSink<T> = {
    push(value) {
      if (ended) return;
      if (waiter !== undefined) {
        const w = waiter;
        waiter = undefined;
        w({ value, done: false });
        return;
      }
      buffer.push(value);
      if (buffer.length > max) {
        buffer.shift();
        dropped++;
        onDrop(dropped);
      }
    },
    end,
  };

  const iterable: AsyncIterableIterator<T> = {
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiter = resolve));
    },
    return() {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { sink, iterable };
}
