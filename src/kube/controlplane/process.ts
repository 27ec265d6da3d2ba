// A child process of the control plane: started with its output going to a log file, stopped with SIGTERM and
// then SIGKILL. Only processes started here are ever signalled.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ManagedProcess {
  name: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();

// If the host process exits without a clean shutdown, take the control plane down with it.
process.once('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});

export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    child.once('error', (error) => resolve(`failed to start: ${error.message}`));
  });
  const managed: ManagedProcess = {
    name,
    logFile,
    child,
    exited,
    async stop(graceMs = 5000) {
      live.delete(managed);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}
