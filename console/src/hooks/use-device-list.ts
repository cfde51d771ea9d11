import { useState } from 'preact/hooks';
import { DeviceRow, listDevices } from '../api.js';
import { usePolling } from './use-polling.js';

/** Devices, connected first, then by id; polled like the stream list. */
export function useDeviceList(tokenVersion: number): {
  devices: DeviceRow[];
  error: Error | null;
} {
  const [state, setState] = useState<{ devices: DeviceRow[]; error: Error | null }>({
    devices: [],
    error: null,
  });
  usePolling(
    async (alive) => {
      try {
        const devices = (await listDevices()).sort(
          (a, b) => Number(b.connected) - Number(a.connected) || a.id.localeCompare(b.id),
        );
        if (alive()) setState({ devices, error: null });
      } catch (err) {
        if (alive()) setState((s) => ({ ...s, error: err as Error }));
      }
    },
    [tokenVersion],
  );
  return state;
}
