/**
 * The core's logging seam: the headless server writes lines to stderr, the
 * desktop shell forwards them to electron-log. Field values that look like
 * credentials are redacted here, once, whatever the sink.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

// Field names that hold credentials; `inputTokens` and the like are counts, not secrets.
const SECRET_KEY =
  /^(.*authorization|.*api[-_]?key|.*access[-_]?key|.*token|.*secret|.*password|.*cookie|.*dashboard[-_]?key|credentials?)$/i;
const SECRET_VALUE = /\b(sk-ant-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/-]+=*)/g;

export function redact(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && typeof value === 'string' && value !== '') return '[redacted]';
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[redacted]');
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (level: LogLevel, message: string, fields: LogFields | undefined) => void;

export function createLogger(sink: LogSink, minLevel: LogLevel = 'info'): Logger {
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    sink(level, redact(message) as string, fields === undefined ? undefined : (redact(fields) as LogFields));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** One line per entry on stderr: a timestamp, the level, the message and its fields as JSON. */
export function consoleLogger(minLevel: LogLevel = 'info'): Logger {
  return createLogger((level, message, fields) => {
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${suffix}\n`);
  }, minLevel);
}

export const silentLogger: Logger = createLogger(() => {});
