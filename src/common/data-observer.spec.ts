import { DataObserverRegistry } from './data-observer.js';
import type { DataObserver } from './data-observer.js';

describe('DataObserverRegistry', () => {
  it('drops reports until an observer registers, then forwards each to it', () => {
    const registry = new DataObserverRegistry();
    const calls: string[] = [];
    const observer: DataObserver = {
      pushed: (entries, bytes) => calls.push(`pushed ${entries} ${bytes}`),
      pulled: (entries, bytes) => calls.push(`pulled ${entries} ${bytes}`),
      dropped: (entries) => calls.push(`dropped ${entries}`),
      viewerDropped: (messages) => calls.push(`viewerDropped ${messages}`),
      missed: (entries) => calls.push(`missed ${entries}`),
      appended: (seconds) => calls.push(`appended ${seconds}`),
    };
    const { pushed } = registry;
    pushed(1, 10);
    registry.register(observer);
    pushed(2, 20);
    registry.pulled(3, 30);
    registry.dropped(4);
    registry.missed(5);
    registry.appended(0.5);
    expect(calls).toEqual(['pushed 2 20', 'pulled 3 30', 'dropped 4', 'missed 5', 'appended 0.5']);
  });
});
