import { useEffect, useState } from 'preact/hooks';
import { getToken, isAuthError, SyncSpec } from '../api.js';
import { useDeviceList } from '../hooks/use-device-list.js';
import { useStreamList } from '../hooks/use-stream-list.js';
import { DeviceList } from './device-list.js';
import { LiveView } from './live-view.js';
import { StreamList } from './stream-list.js';
import { MAX_SYNC, SyncPicker } from './sync-picker.js';
import { syncKey, SyncView } from './sync-view.js';
import { TokenField } from './token-field.js';
import { ViewerLinks } from './viewer-links.js';

export function App() {
  const [tokenVersion, setTokenVersion] = useState(0);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string[]>(() =>
    new URLSearchParams(location.hash.slice(1)).getAll('sid'),
  );
  const [picked, setPicked] = useState<string[]>([]);
  const [syncViews, setSyncViews] = useState<SyncSpec[]>([]);
  const list = useStreamList(filter, selected, tokenVersion);
  const devices = useDeviceList(tokenVersion);
  useEffect(() => {
    const q = new URLSearchParams();
    for (const sid of selected) q.append('sid', sid);
    history.replaceState(null, '', `#${q}`);
  }, [selected]);
  // Both lists are refused the same way without a token: said once, by the Token field.
  const authError = [list.error, devices.error].find(isAuthError);
  const shownError = (error: Error | null) => (error && !authError ? error.message : null);
  const toggle = (sid: string) =>
    setSelected((s) => (s.includes(sid) ? s.filter((x) => x !== sid) : [...s, sid]));
  const togglePick = (sid: string) =>
    setPicked((p) =>
      p.includes(sid) ? p.filter((x) => x !== sid) : p.length < MAX_SYNC ? [...p, sid] : p,
    );
  const openSyncView = (spec: SyncSpec) =>
    setSyncViews((views) =>
      views.some((v) => syncKey(v) === syncKey(spec)) ? views : [...views, spec],
    );
  return (
    <>
      <header class="top">
        <h1>redis-streamer</h1>
        <nav>
          <a href="/graphiql">GraphiQL</a> <a href="/graphql">Apollo Sandbox</a>{' '}
          <a href="/docs">HTTP API</a> <ViewerLinks />
        </nav>
        <TokenField onChange={() => setTokenVersion((v) => v + 1)} />
        {authError && (
          <p class="error auth-needed">
            {getToken()
              ? `The service refused this token (${authError.message.replace(/^\w+: /, '')}): paste a valid one into the Token field above and press Use.`
              : 'The service needs a token: paste one into the Token field above and press Use.'}
          </p>
        )}
      </header>
      <main>
        <StreamList
          list={list}
          error={shownError(list.error)}
          filter={filter}
          setFilter={setFilter}
          selected={selected}
          toggle={toggle}
          picked={picked}
          togglePick={togglePick}
          picker={<SyncPicker picked={picked} clear={() => setPicked([])} open={openSyncView} />}
        >
          <DeviceList
            devices={devices.devices}
            error={shownError(devices.error)}
            filter={filter}
            selected={selected}
            toggle={toggle}
          />
        </StreamList>
        <section class="views">
          {selected.length === 0 && syncViews.length === 0 && (
            <p class="muted">No stream selected.</p>
          )}
          {syncViews.map((spec) => (
            <SyncView
              key={`${syncKey(spec)}#${tokenVersion}`}
              spec={spec}
              close={() => setSyncViews((views) => views.filter((v) => v !== spec))}
            />
          ))}
          {selected.map((sid) => (
            <LiveView
              key={`${sid}#${tokenVersion}`}
              sid={sid}
              row={list.rows.get(sid)}
              close={() => toggle(sid)}
            />
          ))}
        </section>
      </main>
    </>
  );
}
