import { AccessPolicy, allows, readableBy } from './access-policy.js';
import { Principal } from './principal.js';

const reader = Principal.fromClaims({ sub: 'r', streams: { read: ['cam/*'] } }, '::1');
const writer = Principal.fromClaims({ sub: 'w', streams: { write: ['cam/*'] } }, '::1');
const admin = Principal.fromClaims({ admin: true }, '::1');

describe('AccessPolicy', () => {
  const policy = new AccessPolicy();

  it('requires the permission on every sid, naming the first refused', () => {
    expect(() => policy.require(reader, 'read', ['cam/1', 'cam/2'], 'test')).not.toThrow();
    expect(() => policy.require(reader, 'read', ['cam/1', 'mic/1'], 'test')).toThrow(
      'no read permission on stream "mic/1"',
    );
    expect(() => policy.require(reader, 'write', ['cam/1'], 'test')).toThrow(
      'no write permission on stream "cam/1"',
    );
  });

  it('requires an admin token for admin operations', () => {
    expect(() => policy.require(writer, 'admin', [], 'test', 'deleteStream')).toThrow(
      'deleteStream needs an admin token',
    );
    expect(() => policy.require(admin, 'admin', [], 'test', 'deleteStream')).not.toThrow();
  });

  it('requires a write pattern of stars to write every sid', () => {
    expect(() => policy.requireWriteAll(writer, 'POST /data/*', 'test')).toThrow(
      'POST /data/* needs write permission on every stream',
    );
    const everything = Principal.fromClaims({ streams: { write: ['*'] } }, '');
    expect(() => policy.requireWriteAll(everything, 'POST /data/*', 'test')).not.toThrow();
  });
});

describe('readableBy', () => {
  it('keeps what the principal may read; an admin sees everything', () => {
    const sids = ['cam/1', 'mic/1', 'cam/2'];
    expect(readableBy(reader, sids, (sid) => sid)).toEqual(['cam/1', 'cam/2']);
    expect(readableBy(writer, sids, (sid) => sid)).toEqual([]);
    expect(readableBy(admin, sids, (sid) => sid)).toEqual(sids);
    expect(allows(reader, 'read', 'cam/9')).toBe(true);
  });
});
