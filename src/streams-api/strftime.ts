/**
 * A small strftime for `*EntryTime(format)`: formats a UTC time the way Python's
 * `datetime.strftime` does for the common directives, so patterns written for the original
 * service (`%Y-%m-%d %H:%M:%S`) keep working. Always UTC; no locale (English names).
 *
 * Directives: %a %A %b %B %c %C %d %D %e %f %F %h %H %I %j %k %l %L %m %M %n %p %R %s %S %t %T
 * %u %w %x %X %y %Y %z %Z %%. %f is microseconds (6 digits, as in Python), %L milliseconds
 * (3 digits). An unknown directive is copied as is, like glibc does.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);

/**
 * ISO-8601 UTC (`2021-11-28T18:45:33.432Z`) without a format, else `format` applied in UTC.
 * Null when `millis` is outside what a date can hold (explicit ids may be up to 2^64-1 ms).
 */
export function formatEntryTime(millis: number, format?: string | null): string | null {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return null;
  return format == null ? date.toISOString() : strftime(date, format);
}

export function strftime(date: Date, format: string): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 === format.length) {
      out += c;
      continue;
    }
    const directive = format[++i];
    const value = expand(date, directive);
    out += value ?? `%${directive}`;
  }
  return out;
}

function expand(d: Date, directive: string): string | null {
  const hours = d.getUTCHours();
  switch (directive) {
    case 'Y':
      return String(d.getUTCFullYear());
    case 'C':
      return pad(Math.floor(d.getUTCFullYear() / 100), 2);
    case 'y':
      return pad(d.getUTCFullYear() % 100, 2);
    case 'm':
      return pad(d.getUTCMonth() + 1, 2);
    case 'd':
      return pad(d.getUTCDate(), 2);
    case 'e':
      return pad(d.getUTCDate(), 2, ' ');
    case 'j':
      return pad(dayOfYear(d), 3);
    case 'H':
      return pad(hours, 2);
    case 'k':
      return pad(hours, 2, ' ');
    case 'I':
      return pad(hours % 12 || 12, 2);
    case 'l':
      return pad(hours % 12 || 12, 2, ' ');
    case 'M':
      return pad(d.getUTCMinutes(), 2);
    case 'S':
      return pad(d.getUTCSeconds(), 2);
    case 'L':
      return pad(d.getUTCMilliseconds(), 3);
    case 'f':
      return pad(d.getUTCMilliseconds() * 1000, 6);
    case 'p':
      return hours < 12 ? 'AM' : 'PM';
    case 'a':
      return DAYS[d.getUTCDay()].slice(0, 3);
    case 'A':
      return DAYS[d.getUTCDay()];
    case 'b':
    case 'h':
      return MONTHS[d.getUTCMonth()].slice(0, 3);
    case 'B':
      return MONTHS[d.getUTCMonth()];
    case 'u':
      return String(d.getUTCDay() || 7);
    case 'w':
      return String(d.getUTCDay());
    case 's':
      return String(Math.floor(d.getTime() / 1000));
    case 'z':
      return '+0000';
    case 'Z':
      return 'UTC';
    case 'F':
      return strftime(d, '%Y-%m-%d');
    case 'D':
    case 'x':
      return strftime(d, '%m/%d/%y');
    case 'T':
    case 'X':
      return strftime(d, '%H:%M:%S');
    case 'R':
      return strftime(d, '%H:%M');
    case 'c':
      return strftime(d, '%a %b %e %H:%M:%S %Y');
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case '%':
      return '%';
    default:
      return null;
  }
}

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86_400_000) + 1;
}
