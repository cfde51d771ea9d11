import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { Logger } from '@nestjs/common';

function answers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * For `npm start` without configuration: when nothing answers on 127.0.0.1:6379 and
 * `redis-server` is installed, start a throwaway one (no persistence) that dies with this process.
 */
export async function ensureLocalRedis(logger: Logger): Promise<void> {
  if (await answers(6379)) return;
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    logger.warn(
      'No Redis answers on 127.0.0.1:6379 and redis-server is not installed; set REDIS_URL',
    );
    return;
  }
  const child = spawn(
    'redis-server',
    ['--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  child.unref();
  process.once('exit', () => child.kill());
  for (let i = 0; i < 50 && !(await answers(6379)); i++)
    await new Promise((r) => setTimeout(r, 100));
  logger.warn(
    `Started a throwaway redis-server on 127.0.0.1:6379 (pid ${child.pid}); data is not persisted`,
  );
}
