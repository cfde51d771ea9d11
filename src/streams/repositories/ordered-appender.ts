/** Appends entries; resolves to each entry's id. */
export interface Appender {
  append(sid: string, payload: Buffer, id?: string): Promise<string>;
}

/**
 * Keeps one writer's entries stored in call order when they go through several pipelines (the
 * hash slots of a Redis Cluster). An entry for the pipeline of the previous entry is sent right
 * behind it (one pipeline stores in order); an entry for another pipeline is sent once the
 * previous entry is settled. A frame for `a+b` then stores a's entry before b's, as one Redis
 * does. Entries of one pipeline in a row still go out pipelined.
 */
export function orderedAppender(
  append: Appender['append'],
  pipelineOf: (sid: string) => number,
): Appender {
  let pipeline: number | null = null;
  /** The previous entry until it settles (null: every entry is settled). */
  let lastStored: Promise<unknown> | null = null;
  /** Resolves once the previous entry is sent (null: it was sent when it was appended). */
  let lastSent: Promise<void> | null = null;
  return {
    append(sid, payload, id) {
      const next = pipelineOf(sid);
      const gate = next === pipeline ? lastSent : lastStored;
      let appended: Promise<string>;
      if (gate === null) {
        appended = append(sid, payload, id);
        lastSent = null;
      } else {
        let sent: () => void = () => undefined;
        lastSent = new Promise<void>((resolve) => (sent = resolve));
        const send = () => {
          const stored = append(sid, payload, id);
          sent();
          return stored;
        };
        appended = gate.then(send, send);
      }
      pipeline = next;
      lastStored = appended;
      const settled = () => {
        if (lastStored !== appended) return;
        lastStored = null;
        lastSent = null;
      };
      appended.then(settled, settled);
      return appended;
    },
  };
}
