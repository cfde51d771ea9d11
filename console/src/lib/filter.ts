/** Whether a stream (or device) id matches the filter typed above the lists (case-insensitive). */
export const matches = (sid: string, filter: string) =>
  sid.toLowerCase().includes(filter.toLowerCase());

/**
 * The service's own streams (device events, `:event:device.connected` and `:event:device.meta`):
 * listed apart from the user's streams.
 */
export const isServiceStream = (sid: string) => sid.startsWith(':event:');
