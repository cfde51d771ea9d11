import { jest } from '@jest/globals';
import { ErrorCode, StreamerError } from '../common/errors.js';
import { BatchEntry, PullSession } from '../streams/sessions/pull-session.js';
import { SubscriptionSink } from './subscription-sink.js';

const entry = (n: number): BatchEntry => ({ sid: 's', id: `${n}-0`, data: Buffer.from(`e${n}`) });
const batch = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => entry(from + i));

function setup(capacity: number) {
  const session = { pump: jest.fn(), close: jest.fn() };
  const sink = new SubscriptionSink(capacity, (e) => e.id);
  sink.attach(session as unknown as PullSession);
  return { sink, session };
}

describe('SubscriptionSink', () => {
  it('hands entries to the consumer in order', async () => {
    const { sink } = setup(10);
    sink.send(batch(1, 3));
    expect(await sink.next()).toEqual({ value: '1-0', done: false });
    expect(await sink.next()).toEqual({ value: '2-0', done: false });
    expect(await sink.next()).toEqual({ value: '3-0', done: false });
  });

  it('resolves a waiting consumer as soon as an entry arrives', async () => {
    const { sink } = setup(10);
    const pending = sink.next();
    sink.send([entry(7)]);
    expect(await pending).toEqual({ value: '7-0', done: false });
    expect(sink.buffered).toBe(0);
  });

  it('refuses more while full and wakes the session once half is taken', async () => {
    const { sink, session } = setup(4);
    expect(sink.canSend()).toBe(true);
    sink.send(batch(1, 4));
    expect(sink.canSend()).toBe(false);
    await sink.next();
    expect(session.pump).not.toHaveBeenCalled();
    await sink.next();
    expect(session.pump).toHaveBeenCalledTimes(1);
    expect(sink.canSend()).toBe(true);
    // Not stalled any more: taking more does not pump again.
    await sink.next();
    expect(session.pump).toHaveBeenCalledTimes(1);
  });

  it('with capacity 1 (latest) takes a batch only when the last one was consumed', async () => {
    const { sink, session } = setup(1);
    sink.send([entry(1), entry(2)]); // one entry per stream of a latest batch
    expect(sink.canSend()).toBe(false);
    await sink.next();
    await sink.next();
    expect(session.pump).toHaveBeenCalledTimes(1);
    expect(sink.canSend()).toBe(true);
  });

  it('return() closes the session at once, drops the buffer and ends waiting consumers', async () => {
    const { sink, session } = setup(10);
    const waiting = sink.next();
    await expect(sink.return()).resolves.toEqual({ value: undefined, done: true });
    expect(session.close).toHaveBeenCalledTimes(1);
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    expect(sink.canSend()).toBe(false);
    sink.send([entry(1)]);
    await expect(sink.next()).resolves.toEqual({ value: undefined, done: true });
    await sink.return();
    expect(session.close).toHaveBeenCalledTimes(1);
  });

  it('throw() ends the iteration like return()', async () => {
    const { sink, session } = setup(10);
    await expect(sink.throw()).resolves.toEqual({ value: undefined, done: true });
    expect(session.close).toHaveBeenCalledTimes(1);
  });

  it('closes a session attached after the consumer already left', async () => {
    const sink = new SubscriptionSink(10, (e) => e.id);
    await sink.return();
    const session = { pump: jest.fn(), close: jest.fn() };
    sink.attach(session as unknown as PullSession);
    expect(session.close).toHaveBeenCalledTimes(1);
  });

  it('delivers buffered entries, then the failure, then ends', async () => {
    const { sink, session } = setup(10);
    const error = new StreamerError(ErrorCode.Unavailable, 'Redis unavailable');
    sink.send([entry(1)]);
    sink.fail(error);
    expect(sink.canSend()).toBe(false);
    expect(await sink.next()).toEqual({ value: '1-0', done: false });
    expect(await sink.next()).toEqual({ value: error, done: false });
    expect(await sink.next()).toEqual({ value: undefined, done: true });
    expect(session.close).toHaveBeenCalled();
  });

  it('hands the failure to a consumer that is already waiting', async () => {
    const { sink } = setup(10);
    const error = new StreamerError(ErrorCode.Internal, 'boom');
    const waiting = sink.next();
    sink.fail(error);
    expect(await waiting).toEqual({ value: error, done: false });
    expect(await sink.next()).toEqual({ value: undefined, done: true });
  });

  it('is its own async iterator', () => {
    const { sink } = setup(1);
    expect(sink[Symbol.asyncIterator]()).toBe(sink);
  });

  it('refuses more once its bytes reach capacityBytes, whatever the entry count', async () => {
    const session = { pump: jest.fn(), close: jest.fn() };
    const sink = new SubscriptionSink(1000, (e) => e.id, 1024);
    sink.attach(session as unknown as PullSession);
    const big = (n: number): BatchEntry => ({ sid: 's', id: `${n}-0`, data: Buffer.alloc(600) });
    sink.send([big(1)]);
    expect(sink.canSend()).toBe(true);
    sink.send([big(2)]);
    expect(sink.canSend()).toBe(false);
    await sink.next();
    expect(sink.canSend()).toBe(true);
    expect(session.pump).not.toHaveBeenCalled(); // woken once half the bytes are taken
    await sink.next();
    expect(session.pump).toHaveBeenCalledTimes(1);
  });
});
