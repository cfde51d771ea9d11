import { useState } from 'preact/hooks';
import { getToken, setToken } from '../api.js';

export function TokenField({ onChange }: { onChange: () => void }) {
  const [value, setValue] = useState(getToken());
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim());
        onChange();
      }}
    >
      <label>
        Token{' '}
        <input
          type="password"
          name="token"
          placeholder="JWT, when auth is on"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}
