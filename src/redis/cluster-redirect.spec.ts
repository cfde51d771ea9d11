import { parseRedirect } from './cluster-redirect.js';

describe('parseRedirect', () => {
  it('reads the slot and the new address of MOVED and ASK', () => {
    expect(parseRedirect('MOVED 3999 127.0.0.1:6381')).toEqual({
      kind: 'MOVED',
      slot: 3999,
      host: '127.0.0.1',
      port: 6381,
    });
    expect(parseRedirect('ASK 12 redis-2.internal:7000')).toEqual({
      kind: 'ASK',
      slot: 12,
      host: 'redis-2.internal',
      port: 7000,
    });
  });

  it('keeps an empty host (the node the client is connected to)', () => {
    expect(parseRedirect('MOVED 5 :7001')).toEqual({
      kind: 'MOVED',
      slot: 5,
      host: '',
      port: 7001,
    });
  });

  it('recognises TRYAGAIN and CLUSTERDOWN', () => {
    expect(parseRedirect('TRYAGAIN Multiple keys request during rehashing of slot')).toEqual({
      kind: 'TRYAGAIN',
    });
    expect(parseRedirect('CLUSTERDOWN The cluster is down')).toEqual({ kind: 'CLUSTERDOWN' });
  });

  it('is null for other errors', () => {
    expect(
      parseRedirect('WRONGTYPE Operation against a key holding the wrong kind of value'),
    ).toBeNull();
    expect(parseRedirect('MOVED somewhere')).toBeNull();
    expect(parseRedirect("CROSSSLOT Keys in request don't hash to the same slot")).toBeNull();
  });
});
