// The logger factory. Logs are JSON lines (pino) on stderr; stdout is kept for the few plain
// lines a person or a test reads (`listening http 127.0.0.1:8080`, `ready`), so the two never
// mix. Each service takes a child logger ({svc}); each connection a child of that ({cid, remote}).
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

// Belt and braces: code must not log secrets, but if an object carrying one slips into a log
// call, these paths are censored rather than written out.
const redactPaths = [
  'password', '*.password', 'pass', '*.pass', 'secret', '*.secret', 'token', '*.token',
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie',
  'req.headers.authorization', 'req.headers.cookie', 'mongodbUri', '*.mongodbUri',
];

export function createLogger(options: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    // Synchronous writes: nothing is lost when the process exits right after a fatal line.
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
