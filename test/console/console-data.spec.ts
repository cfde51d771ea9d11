import { splitBatch } from '../../console/src/lib/batch.js';
import { compareIds, previousId } from '../../console/src/lib/entry-id.js';
import { formatRate, RateTracker } from '../../console/src/lib/rate.js';
import { SkipCounter } from '../../console/src/lib/skipped.js';
import { asText, formatBytes, hexPreview, sniff } from '../../console/src/lib/sniff.js';
import { formatDt, joinTuples, parseTuplesFrame } from '../../console/src/lib/tuples.js';

/** The console's data handling: pure modules the page bundles, tested here without a browser. */

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('sniff', () => {
  it('recognises JPEG and PNG by their signatures', () => {
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toEqual({
      kind: 'jpeg',
      mime: 'image/jpeg',
    });
    expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toEqual({
      kind: 'png',
      mime: 'image/png',
    });
    // A truncated PNG signature or a lone FF D8 is not an image.
    expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47)).kind).toBe('binary');
    expect(sniff(bytes(0xff, 0xd8)).kind).toBe('binary');
  });

  it('shows UTF-8 as text and JSON objects and arrays as JSON', () => {
    expect(sniff(Buffer.from('hello, wörld ✓\n\tnext line'))).toEqual({
      kind: 'text',
      text: 'hello, wörld ✓\n\tnext line',
    });
    expect(sniff(Buffer.from(' {"a": [1, 2]}'))).toEqual({
      kind: 'json',
      text: ' {"a": [1, 2]}',
      value: { a: [1, 2] },
    });
    expect(sniff(Buffer.from('[1,2]')).kind).toBe('json');
    // Numbers and broken JSON stay text (what push_increment sends is a number as text).
    expect(sniff(Buffer.from('42')).kind).toBe('text');
    expect(sniff(Buffer.from('{"a":')).kind).toBe('text');
    expect(sniff(bytes()).kind).toBe('text');
  });

  it('treats invalid UTF-8 and control characters as bytes, with a hex preview', () => {
    expect(asText(bytes(0xc3, 0x28))).toBeNull();
    expect(asText(bytes(0x61, 0x00, 0x62))).toBeNull();
    expect(asText(bytes(0x61, 0x0a, 0x62))).toBe('a\nb');
    expect(sniff(bytes(0, 1, 2, 0xfe, 0xff))).toEqual({ kind: 'binary', hex: '00 01 02 fe ff' });
  });

  it('limits the hex preview to 16 bytes a line and the first 64 bytes', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const lines = hexPreview(data).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f');
    expect(lines[3].split(' ')).toHaveLength(16);
    expect(lines[4]).toBe('…');
    expect(hexPreview(bytes(1, 2), 64)).toBe('01 02');
  });

  it('formats sizes', () => {
    expect(formatBytes(5)).toBe('5 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
});

describe('RateTracker', () => {
  it('has no rate before the second sample, then entries per second', () => {
    const rates = new RateTracker(1);
    expect(rates.update('a', 10, 1000)).toBeNull();
    expect(rates.update('a', 30, 2000)).toBe(20);
    expect(rates.update('a', 35, 4000)).toBe(2.5);
    expect(rates.rate('a')).toBe(2.5);
  });

  it('smooths bursts', () => {
    const rates = new RateTracker(0.5);
    rates.update('a', 0, 0);
    expect(rates.update('a', 100, 1000)).toBe(100);
    expect(rates.update('a', 100, 2000)).toBe(50);
    expect(rates.update('a', 100, 3000)).toBe(25);
  });

  it('restarts when the counter goes backwards (stream deleted and created again)', () => {
    const rates = new RateTracker(1);
    rates.update('a', 0, 0);
    rates.update('a', 50, 1000);
    expect(rates.update('a', 3, 2000)).toBeNull();
    expect(rates.update('a', 5, 3000)).toBe(2);
  });

  it('keeps the last rate for a sample at the same instant, and forgets streams that are gone', () => {
    const rates = new RateTracker(1);
    rates.update('a', 0, 0);
    rates.update('a', 4, 1000);
    expect(rates.update('a', 4, 1000)).toBe(4);
    rates.update('b', 1, 0);
    rates.retain(['a']);
    expect(rates.rate('a')).toBe(4);
    expect(rates.rate('b')).toBeNull();
  });

  it('formats rates', () => {
    expect(formatRate(null)).toBe('–');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.46)).toBe('0.5');
    expect(formatRate(12.4)).toBe('12');
    expect(formatRate(2500)).toBe('2.5k');
  });
});

describe('SkipCounter', () => {
  it('counts nothing skipped when every entry was shown', () => {
    const skips = new SkipCounter({ added: 5, id: '101-0' });
    skips.shown('101-0');
    skips.shown('102-0');
    skips.report(6, '102-0');
    expect(skips.skipped).toBe(0);
  });

  it('counts the entries added since the first one shown that were never shown', () => {
    const skips = new SkipCounter({ added: 11, id: '101-0' });
    skips.shown('101-0');
    skips.shown('105-0');
    skips.report(15, '105-0');
    expect(skips.skipped).toBe(3);
  });

  it('waits until the view has caught up with the reported newest entry', () => {
    const skips = new SkipCounter({ added: 0, id: null }); // an empty stream
    skips.shown('1-0');
    skips.report(3, '3-0'); // 2-0 and 3-0 may still be on their way
    expect(skips.skipped).toBe(0);
    skips.shown('3-0');
    skips.shown('4-0'); // newer than the report: not counted against it
    skips.report(3, '3-0');
    expect(skips.skipped).toBe(1);
    skips.report(4, '4-0');
    expect(skips.skipped).toBe(1);
  });

  it('counts nothing that came before the first entry shown when the list was a step behind', () => {
    const skips = new SkipCounter({ added: 1, id: '1-0' });
    skips.shown('2-0'); // 1-0 was no longer the newest when the view opened
    skips.report(2, '2-0');
    expect(skips.skipped).toBe(0);
    skips.shown('3-0');
    skips.report(3, '3-0');
    expect(skips.skipped).toBe(0);
    skips.shown('6-0');
    skips.report(6, '6-0');
    expect(skips.skipped).toBe(2);
  });

  it('begins at the first report caught up with when the view opened before the list loaded', () => {
    const skips = new SkipCounter(null);
    skips.shown('30-0');
    skips.report(30, '30-0');
    expect(skips.skipped).toBe(0);
    skips.shown('31-0');
    skips.report(31, '31-0');
    expect(skips.skipped).toBe(0);
    skips.shown('40-0');
    skips.report(40, '40-0');
    expect(skips.skipped).toBe(8);
  });
});

describe('entry ids', () => {
  it('orders ids numerically, beyond 2^53', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareIds('18446744073709551615-1', '18446744073709551615-0')).toBeGreaterThan(0);
    expect(compareIds('5-5', '5-5')).toBe(0);
  });

  it('finds the id right before another', () => {
    expect(previousId('100-5')).toBe('100-4');
    expect(previousId('100-0')).toBe('99-18446744073709551615');
    expect(previousId('0-0')).toBe('0-0');
  });
});

describe('splitBatch', () => {
  it('splits the payloads of a pull batch at the header offsets', () => {
    const body = Buffer.from('abcdefg');
    const entries = splitBatch('[["s","1-0",0],["t","2-0",3],["s","3-0",3]]', body);
    expect(entries.map((e) => [e.sid, e.id, Buffer.from(e.data).toString()])).toEqual([
      ['s', '1-0', 'abc'],
      ['t', '2-0', ''],
      ['s', '3-0', 'defg'],
    ]);
    expect(splitBatch('[]', Buffer.alloc(0))).toEqual([]);
  });

  it('refuses a malformed header', () => {
    expect(() => splitBatch('{"error": 1}', Buffer.alloc(0))).toThrow(/not a list/);
    expect(() => splitBatch('[["s", 0]]', Buffer.alloc(0))).toThrow(/malformed/);
  });
});

describe('joinTuples', () => {
  const entry = (sid: string, id: string) => ({ sid, id, data: bytes(id.length) });
  const frame = {
    tuples: [
      { ref: 'cam', id: '1000-0', members: { imu: ['1004-0', 4], depth: null } },
      { ref: 'cam', id: '2000-0', members: { imu: ['1004-0', -996], depth: ['2000-0', 0] } },
    ],
  };

  it('reads a tuples frame and nothing else', () => {
    expect(parseTuplesFrame(frame)).toBe(frame.tuples);
    expect(parseTuplesFrame({ gap: { sid: 'cam' } })).toBeNull();
    expect(parseTuplesFrame(null)).toBeNull();
  });

  it('joins each tuple with its entries, partners in the given order, missing ones without an entry', () => {
    const entries = [entry('cam', '1000-0'), entry('imu', '1004-0'), entry('cam', '2000-0')];
    entries.push(entry('depth', '2000-0'));
    const [first, second] = joinTuples(parseTuplesFrame(frame)!, entries, ['imu', 'depth']);
    expect(first.reference).toBe(entries[0]);
    expect(first.members).toEqual([
      { sid: 'imu', entry: entries[1], dtMs: 4 },
      { sid: 'depth', entry: null, dtMs: null },
    ]);
    // A partner entry shared by two tuples, and an id equal to the reference's on another stream.
    expect(second.reference).toBe(entries[2]);
    expect(second.members).toEqual([
      { sid: 'imu', entry: entries[1], dtMs: -996 },
      { sid: 'depth', entry: entries[3], dtMs: 0 },
    ]);
  });

  it('formats time differences with their sign', () => {
    expect([formatDt(4), formatDt(-10), formatDt(0)]).toEqual(['+4 ms', '-10 ms', '0 ms']);
  });
});
