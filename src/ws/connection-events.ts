import { Injectable } from '@nestjs/common';

/** Told when a push connection that speaks for devices opens, and when it closes. */
export interface DeviceConnectionListener {
  opened(devices: readonly string[]): void;
  closed(devices: readonly string[]): void;
}

/**
 * Where the data path reports push connections that speak for devices (`?device=<id>` or
 * `<id>:<sid>` streams), once when each opens and once when it closes, never per message; the
 * device feature listens. The data path knows nothing of what listens.
 */
@Injectable()
export class ConnectionEvents {
  private readonly listeners: DeviceConnectionListener[] = [];

  listen(listener: DeviceConnectionListener): void {
    this.listeners.push(listener);
  }

  /** A push connection for `devices` opened; call the returned function once when it closes. */
  deviceConnectionOpened(devices: readonly string[]): () => void {
    for (const listener of this.listeners) listener.opened(devices);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      for (const listener of this.listeners) listener.closed(devices);
    };
  }
}
