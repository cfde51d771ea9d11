/**
 * What an entry's payload looks like, from its bytes alone (entries carry no content type):
 * JPEG and PNG by their signatures, then UTF-8 text, JSON when that text parses as an object or
 * an array, anything else as bytes. Pure: the console and the unit tests share it.
 */
export type Sniffed =
  | { kind: 'jpeg' | 'png'; mime: string }
  | { kind: 'json'; text: string; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; hex: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bytes shown in a hex dump. */
export const HEX_PREVIEW_BYTES = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex -- control characters are what makes bytes "binary"
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function isJpeg(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
}

export function isPng(data: Uint8Array): boolean {
  return data.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => data[i] === b);
}

/** The payload as text when it is valid UTF-8 without control characters (tabs and newlines are fine). */
export function asText(data: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return null;
  }
  return CONTROL.test(text) ? null : text;
}

export function sniff(data: Uint8Array): Sniffed {
  if (isJpeg(data)) return { kind: 'jpeg', mime: 'image/jpeg' };
  if (isPng(data)) return { kind: 'png', mime: 'image/png' };
  const text = asText(data);
  if (text === null) return { kind: 'binary', hex: hexPreview(data) };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { kind: 'json', text, value: JSON.parse(text) as unknown };
    } catch {
      // Not JSON after all: plain text.
    }
  }
  return { kind: 'text', text };
}

/** `ff d8 ff e0 …`: the first `max` bytes in hex, 16 to a line. */
export function hexPreview(data: Uint8Array, max = HEX_PREVIEW_BYTES): string {
  const lines: string[] = [];
  const end = Math.min(data.length, max);
  for (let line = 0; line < end; line += 16) {
    const bytes: string[] = [];
    for (let i = line; i < Math.min(end, line + 16); i++) {
      bytes.push(data[i].toString(16).padStart(2, '0'));
    }
    lines.push(bytes.join(' '));
  }
  if (data.length > max) lines.push('…');
  return lines.join('\n');
}

/** `1.5 KiB`, `3 B`, `2.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
