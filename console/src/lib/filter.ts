/** Whether a stream (or device) id matches the filter typed above the lists (case-insensitive). */
export const matches = (sid: string, filter: string) =>
  sid.toLowerCase().includes(filter.toLowerCase());
