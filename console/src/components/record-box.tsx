import { useState } from 'preact/hooks';
import { exportUrl } from '../api.js';

/** Default and largest span of the "record" button, in seconds. */
const RECORD_SECONDS = 10;
const MAX_RECORD_SECONDS = 24 * 3600;

/** "Record the last N seconds": downloads them as an MCAP file (the server's export). */
export function RecordBox({ sid }: { sid: string }) {
  const [seconds, setSeconds] = useState(RECORD_SECONDS);
  const record = () => {
    const link = document.createElement('a');
    link.href = exportUrl([sid], `now-${seconds}s`);
    link.download = '';
    link.click();
  };
  return (
    <p class="record">
      <button type="button" class="record-button" onClick={record} title="download as MCAP">
        ● record
      </button>{' '}
      the last{' '}
      <input
        class="record-seconds"
        type="number"
        min={1}
        max={MAX_RECORD_SECONDS}
        value={seconds}
        onInput={(e) => {
          const n = Math.round(Number(e.currentTarget.value));
          if (n >= 1 && n <= MAX_RECORD_SECONDS) setSeconds(n);
        }}
      />{' '}
      s ·{' '}
      <a class="export-all" href={exportUrl([sid])} download>
        export all
      </a>{' '}
      (MCAP)
    </p>
  );
}
