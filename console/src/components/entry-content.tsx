import { formatBytes, Sniffed } from '../lib/sniff.js';

/** Longest text shown for one entry. */
const MAX_TEXT = 10_000;

/** The entry a live view shows: its id, size, what it holds and, for images, an object URL. */
export interface Shown {
  id: string;
  size: number;
  sniffed: Sniffed;
  imageUrl: string | null;
}

export function EntryContent({ shown }: { shown: Shown }) {
  const { sniffed } = shown;
  switch (sniffed.kind) {
    case 'jpeg':
    case 'png':
      return (
        <img
          class="frame"
          src={shown.imageUrl ?? ''}
          data-entry-id={shown.id}
          alt={`entry ${shown.id}`}
        />
      );
    case 'json':
      return <pre class="json">{JSON.stringify(sniffed.value, null, 2).slice(0, MAX_TEXT)}</pre>;
    case 'text':
      return <pre class="text">{sniffed.text.slice(0, MAX_TEXT)}</pre>;
    case 'binary':
      return (
        <div class="binary">
          <p>{formatBytes(shown.size)} of bytes</p>
          <pre class="hex">{sniffed.hex}</pre>
        </div>
      );
  }
}
