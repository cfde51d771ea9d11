import { DeviceRow } from '../api.js';
import { matches } from '../lib/filter.js';

/**
 * The devices matching the filter (by id, or by one of their streams), each with its streams
 * grouped under it; clicking a stream watches it live, as in the stream list.
 */
export function DeviceList(props: {
  devices: DeviceRow[];
  error: string | null;
  filter: string;
  selected: string[];
  toggle: (sid: string) => void;
}) {
  const shown = props.devices
    .map((device) => {
      const sids = device.streamIds.map((streamId) => `${device.id}:${streamId}`);
      const all = matches(device.id, props.filter);
      return { device, sids: all ? sids : sids.filter((sid) => matches(sid, props.filter)), all };
    })
    .filter(({ sids, all }) => all || sids.length > 0);
  if (shown.length === 0 && !props.error) return null;
  return (
    <div class="devices">
      <h2>Devices</h2>
      {props.error && <p class="error">{props.error}</p>}
      <table>
        {shown.map(({ device, sids }) => (
          <tbody
            key={device.id}
            data-device={device.id}
            class={device.connected ? 'connected' : 'disconnected'}
          >
            <tr class="device">
              <td class="status" title={device.connected ? 'connected' : 'disconnected'}>
                {device.connected ? '●' : '○'}
              </td>
              <td class="device-id">{device.id}</td>
              <td class="seen" title={device.lastSeen ?? 'never seen'}>
                {device.connected
                  ? 'connected'
                  : device.lastSeen
                    ? `seen ${device.lastSeen.slice(11, 19)}`
                    : ''}
              </td>
            </tr>
            {sids.map((sid) => (
              <tr
                key={sid}
                data-device-sid={sid}
                class={props.selected.includes(sid) ? 'selected' : ''}
                onClick={() => props.toggle(sid)}
                title="show live"
              >
                <td />
                <td class="sid" colSpan={2}>
                  {sid.slice(device.id.length + 1)}
                </td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
