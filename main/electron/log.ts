import path from 'node:path';
import { createLogger, type LogLevel, type Logger } from '../core/logger.js';

/**
 * The app's own log: electron-log writing `main.log` in the platform's logs
 * folder (`app.getPath('logs')`: ~/Library/Logs/Claude Code Proxy on macOS,
 * the data directory's `logs/` elsewhere), rotated at 5 MB to `main.old.log`.
 * The core logs through its `Logger` interface; `coreLoggerFrom` maps that
 * onto electron-log via `createLogger`, so secrets are redacted before any
 * line reaches the file.
 */

export const LOG_FILE_NAME = 'main.log';
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

type ElectronLogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug' | 'silly';
type LevelOption = ElectronLogLevel | false;

/** The parts of electron-log's `MainLogger` used here. */
export interface ElectronLogLike {
  transports: {
    file: {
      level: LevelOption;
      maxSize: number;
      fileName: string;
      resolvePathFn: (...args: never[]) => string;
      getFile(): { path: string };
    };
    console: { level: LevelOption };
  };
  debug(...params: unknown[]): void;
  info(...params: unknown[]): void;
  warn(...params: unknown[]): void;
  error(...params: unknown[]): void;
}

export interface LogSetup {
  logsDir: string;
  level?: LogLevel;
  /** Echo to stdout/stderr too (running from source). */
  console?: boolean;
}

export function setupElectronLog(log: ElectronLogLike, setup: LogSetup): string {
  const file = path.join(setup.logsDir, LOG_FILE_NAME);
  log.transports.file.fileName = LOG_FILE_NAME;
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.maxSize = LOG_MAX_BYTES;
  log.transports.file.level = setup.level ?? 'info';
  log.transports.console.level = setup.console ? (setup.level ?? 'info') : false;
  return file;
}

/** The core's `Logger`, written to electron-log: one line per entry, fields as JSON (redacted by `createLogger`). */
export function coreLoggerFrom(log: ElectronLogLike, minLevel: LogLevel = 'info'): Logger {
  return createLogger((level, message, fields) => {
    const line = fields && Object.keys(fields).length > 0 ? `${message} ${safeJson(fields)}` : message;
    log[level](line);
  }, minLevel);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  } catch {
    return '[unserialisable fields]';
  }
}
