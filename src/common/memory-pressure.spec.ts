import { planMemory } from '../config/memory-plan.js';
import { MemoryPressure } from './memory-pressure.js';

const MiB = 1024 * 1024;

describe('MemoryPressure', () => {
  const plan = planMemory({ bytes: 100 * MiB, source: 'MEMORY_LIMIT_MB' });

  it('never shuts without a memory limit', () => {
    const pressure = new MemoryPressure(planMemory(null));
    pressure.check(10_000 * MiB, 0);
    expect(pressure.enabled).toBe(false);
    expect(pressure.wait()).toBeNull();
  });

  it('shuts above the pressure mark and opens below the relief mark', async () => {
    const pressure = new MemoryPressure(plan);
    const relieved: number[] = [];
    pressure.onRelieved(() => relieved.push(1));
    pressure.check(80 * MiB, 0);
    expect(pressure.wait()).toBeNull();
    pressure.check(86 * MiB, 100);
    expect(pressure.high).toBe(true);
    let read = false;
    const held = pressure.wait()!.then(() => (read = true));
    pressure.check(80 * MiB, 200); // between the marks: still shut
    await Promise.resolve();
    expect(read).toBe(false);
    pressure.check(74 * MiB, 300);
    await held;
    expect(read).toBe(true);
    expect(relieved).toEqual([1]);
    expect(pressure.high).toBe(false);
    expect(pressure.readsHeld).toBe(1);
    expect(pressure.episodes).toBe(1);
  });

  it('opens for a sample once a second while memory stays high, so work slows but goes on', async () => {
    const pressure = new MemoryPressure(plan);
    pressure.check(90 * MiB, 0);
    const held = pressure.wait()!;
    pressure.check(90 * MiB, 500);
    expect(pressure.high).toBe(true);
    pressure.check(90 * MiB, 1000);
    await held;
    expect(pressure.high).toBe(false);
    pressure.check(90 * MiB, 1100);
    expect(pressure.high).toBe(true);
    expect(pressure.episodes).toBe(2);
  });

  it('reports the budgets it is told about', () => {
    const pressure = new MemoryPressure(plan);
    pressure.track('push_in_flight', 10, () => 4);
    const budget = pressure.budgets().get('push_in_flight')!;
    expect([budget.limit, budget.inUse()]).toEqual([10, 4]);
  });
});
