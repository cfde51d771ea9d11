import { orderedAppender } from './ordered-appender.js';

/** An append whose replies the test releases, recording what was sent. */
function controlled() {
  const sent: string[] = [];
  const pending: { sid: string; resolve(id: string): void; reject(e: Error): void }[] = [];
  const append = (sid: string, payload: Buffer) =>
    new Promise<string>((resolve, reject) => {
      sent.push(`${sid}:${payload.toString()}`);
      pending.push({ sid, resolve, reject });
    });
  return { sent, pending, append };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const SLOTS: Record<string, number> = { a: 1, a2: 1, b: 2 };

describe('orderedAppender', () => {
  it('sends entries of one pipeline at once, in call order', () => {
    const { sent, append } = controlled();
    const appender = orderedAppender(append, (sid) => SLOTS[sid]);
    void appender.append('a', Buffer.from('1'));
    void appender.append('a2', Buffer.from('2'));
    void appender.append('a', Buffer.from('3'));
    expect(sent).toEqual(['a:1', 'a2:2', 'a:3']);
  });

  it('sends an entry for another pipeline only once the previous entry is stored', async () => {
    const { sent, pending, append } = controlled();
    const appender = orderedAppender(append, (sid) => SLOTS[sid]);
    const ids = [
      appender.append('a', Buffer.from('1')),
      appender.append('b', Buffer.from('2')),
      appender.append('b', Buffer.from('3')),
      appender.append('a', Buffer.from('4')),
    ];
    await settle();
    expect(sent).toEqual(['a:1']);
    pending[0].resolve('1-0');
    await settle();
    // b's entries share a pipeline: both go once a's is stored.
    expect(sent).toEqual(['a:1', 'b:2', 'b:3']);
    pending[1].resolve('2-0');
    await settle();
    expect(sent).toEqual(['a:1', 'b:2', 'b:3']);
    pending[2].resolve('3-0');
    await settle();
    expect(sent).toEqual(['a:1', 'b:2', 'b:3', 'a:4']);
    pending[3].resolve('4-0');
    expect(await Promise.all(ids)).toEqual(['1-0', '2-0', '3-0', '4-0']);
  });

  it('goes on after a failed entry (the caller decides what a failure means)', async () => {
    const { sent, pending, append } = controlled();
    const appender = orderedAppender(append, (sid) => SLOTS[sid]);
    const first = appender.append('a', Buffer.from('1'));
    const second = appender.append('b', Buffer.from('2'));
    pending[0].reject(new Error('WRONGTYPE'));
    await expect(first).rejects.toThrow('WRONGTYPE');
    await settle();
    expect(sent).toEqual(['a:1', 'b:2']);
    pending[1].resolve('2-0');
    expect(await second).toBe('2-0');
  });
});
