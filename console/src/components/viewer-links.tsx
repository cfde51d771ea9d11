import { useState } from 'preact/hooks';
import { viewerUrl } from '../api.js';

/** Foxglove's web app. */
const FOXGLOVE_APP = 'https://app.foxglove.dev';
/** Where Lichtblick's web app is, kept per browser; its Docker image serves it here. */
const LICHTBLICK_KEY = 'redis-streamer.lichtblick';
const DEFAULT_LICHTBLICK = 'http://localhost:8080';

/**
 * "Open in Foxglove / Lichtblick": the viewer connected to this service's Foxglove endpoint
 * (every readable stream a topic, docs/foxglove.md), with the token when one is set. Lichtblick
 * has no public web app: it runs where the lab serves it, an address set here.
 */
export function ViewerLinks() {
  const [typed, setTyped] = useState(() => localStorage.getItem(LICHTBLICK_KEY) ?? '');
  const lichtblick = typed.trim() || DEFAULT_LICHTBLICK;
  return (
    <span class="viewers">
      <a class="open-foxglove" href={viewerUrl(FOXGLOVE_APP)} target="_blank" rel="noopener">
        Open in Foxglove
      </a>
      <a class="open-lichtblick" href={viewerUrl(lichtblick)} target="_blank" rel="noopener">
        Lichtblick
      </a>
      <details class="lichtblick-address">
        <summary title="where your Lichtblick web app runs">address</summary>
        <input
          type="url"
          name="lichtblick"
          placeholder={DEFAULT_LICHTBLICK}
          value={typed}
          onInput={(e) => {
            const value = e.currentTarget.value;
            if (value.trim()) localStorage.setItem(LICHTBLICK_KEY, value.trim());
            else localStorage.removeItem(LICHTBLICK_KEY);
            setTyped(value);
          }}
        />
      </details>
    </span>
  );
}
