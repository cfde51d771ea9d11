import { describePlan, heapFlags, planMemory } from './memory-plan.js';

const KiB = 1024;
const MiB = 1024 * 1024;
const plan = (mb: number) => planMemory({ bytes: mb * MiB, source: 'MEMORY_LIMIT_MB' });

describe('planMemory', () => {
  it('keeps the default sizes with no limit known, and no pressure gate', () => {
    const p = planMemory(null);
    expect(p.settings).toEqual({
      MAX_PAYLOAD_BYTES: 64 * MiB,
      PUSH_MAX_PENDING: 256,
      PULL_HIGH_WATER_BYTES: 256 * KiB,
      PULL_BATCH_BYTES: 8 * MiB,
    });
    expect(p.pushInFlightBytes).toBe(16 * MiB);
    expect(p.pushConnectionBytes).toBe(4 * MiB);
    expect(p.catchUpReadBytes).toBe(MiB);
    expect(p.pressureBytes).toBeNull();
    expect(heapFlags(p)).toEqual(['--max-semi-space-size=16']);
  });

  it.each([
    // limit, push in flight, per connection, batch, high water, catch-up, largest, old space, semi
    [96, 6 * MiB, 1.5 * MiB, 3 * MiB, 96 * KiB, 768 * KiB, 12 * MiB, 96, 3],
    [128, 8 * MiB, 2 * MiB, 4 * MiB, 128 * KiB, MiB, 16 * MiB, 96, 4],
    [192, 12 * MiB, 3 * MiB, 6 * MiB, 192 * KiB, MiB, 24 * MiB, 96, 6],
    [256, 16 * MiB, 4 * MiB, 8 * MiB, 256 * KiB, MiB, 32 * MiB, 96, 8],
    [512, 16 * MiB, 4 * MiB, 8 * MiB, 256 * KiB, MiB, 64 * MiB, 192, 16],
  ])(
    '%i MiB: budgets sized to the limit',
    (mb, push, perConnection, batch, highWater, catchUp, largest, oldSpace, semi) => {
      const p = plan(mb);
      expect(p.pushInFlightBytes).toBe(push);
      expect(p.pushConnectionBytes).toBe(perConnection);
      expect(p.settings.PULL_BATCH_BYTES).toBe(batch);
      expect(p.settings.PULL_HIGH_WATER_BYTES).toBe(highWater);
      expect(p.catchUpReadBytes).toBe(catchUp);
      expect(p.settings.MAX_PAYLOAD_BYTES).toBe(largest);
      expect(p.settings.PUSH_MAX_PENDING).toBe(256);
      expect(heapFlags(p)).toEqual([
        `--max-old-space-size=${oldSpace}`,
        `--max-semi-space-size=${semi}`,
      ]);
      expect(p.pressureBytes).toBe(Math.floor(mb * MiB * 0.85));
      expect(p.reliefBytes).toBeLessThan(p.pressureBytes!);
    },
  );

  it('never plans more than the defaults, whatever the limit', () => {
    const big = plan(64 * 1024);
    const none = planMemory(null);
    expect(big.settings).toEqual(none.settings);
    expect(big.pushInFlightBytes).toBe(none.pushInFlightBytes);
    expect(big.semiSpaceMb).toBe(none.semiSpaceMb);
  });

  it('keeps what it plans for payloads within a quarter of the limit at 96 MiB and up', () => {
    for (const mb of [96, 128, 192, 256, 384, 512]) {
      const p = plan(mb);
      const held = p.pushInFlightBytes + p.settings.PULL_BATCH_BYTES + p.catchUpReadBytes;
      expect(held).toBeLessThanOrEqual((mb * MiB) / 4);
    }
  });

  it('lets explicit settings win', () => {
    const p = plan(192).withSettings({ PULL_BATCH_BYTES: 1024 * KiB, PUSH_MAX_PENDING: 32 });
    expect(p.settings.PULL_BATCH_BYTES).toBe(MiB);
    expect(p.settings.PUSH_MAX_PENDING).toBe(32);
    expect(p.settings.PULL_HIGH_WATER_BYTES).toBe(192 * KiB);
    expect(p.pushInFlightBytes).toBe(12 * MiB);
  });

  it('says the plan on one line', () => {
    expect(describePlan(plan(192))).toBe(
      'memory plan for 192 MiB (MEMORY_LIMIT_MB): V8 old space 96 MiB, semi-space 6 MiB; push in flight 12 MiB (3 MiB or 256 entries per connection); pull batch 6 MiB, high water 192 KiB, catch-up read-ahead 1 MiB; largest payload 24 MiB; pushes pause and reads wait above 163.2 MiB private resident',
    );
    expect(describePlan(planMemory(null))).toMatch(/^memory plan: no limit known/);
  });
});
