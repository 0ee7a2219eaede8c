import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGINT (the apps close cleanly on it, so a --cpu-prof profile gets written), then waits for the exit */
  stop(): Promise<void>;
}

/** Starts a Node server as its own process and resolves once it prints "listening on <url>" (or `ready`). */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  ready = /listening on (https?:\/\/\S+)/,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in 180 s:\n${log}`)),
      180_000,
    );
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const m = ready.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace('[::1]', '127.0.0.1'));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${log}`));
    });
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) {
        return;
      }
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
