// A stand-in for 'electron-log/main', for app-wiring.test.ts: log lines go to stdout as "LOG level message".
const line =
  (level) =>
  (...params) =>
    process.stdout.write(`LOG ${level} ${params.join(' ')}\n`);
export default {
  transports: {
    file: { level: 'info', maxSize: 0, fileName: 'main.log', resolvePathFn: () => '', getFile: () => ({ path: '' }) },
    console: { level: false },
  },
  debug: line('debug'),
  info: line('info'),
  warn: line('warn'),
  error: line('error'),
};
