// A client of GET /v2.1/magnetar/events: reads the server-sent events and
// keeps each (event name, id, parsed data), so a test can wait for the ones it expects.
export interface StreamEvent {
  readonly event: string;
  readonly id: string;
  readonly data: any;
}

export interface EventReader {
  readonly status: number;
  readonly contentType: string | null;
  readonly events: StreamEvent[];
  /** Waits until `pred` holds for the events read so far. */
  until(pred: (events: StreamEvent[]) => boolean, ms?: number): Promise<StreamEvent[]>;
  close(): void;
}

export async function openEventStream(url: string, token: string): Promise<EventReader> {
  const abort = new AbortController();
  const r = await fetch(url, { headers: { 'X-Auth-Token': token, Accept: 'text/event-stream' }, signal: abort.signal });
  const events: StreamEvent[] = [];
  if (r.status === 200 && r.body) {
    void (async () => {
      const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let event = 'message';
          let id = '';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, id, data: JSON.parse(data.join('\n')) });
        }
      }
    })();
  } else {
    await r.text();
  }
  return {
    status: r.status,
    contentType: r.headers.get('content-type'),
    events,
    async until(pred, ms = 10_000) {
      const end = Date.now() + ms;
      while (!pred(events)) {
        if (Date.now() > end) throw new Error(`events not seen; got: ${events.map((e) => e.event).join(', ')}`);
        await new Promise((res) => setTimeout(res, 20));
      }
      return events;
    },
    close: () => abort.abort(),
  };
}
