// Where the machine's CPU went during a benchmark phase (Linux /proc): the server, the load
// client, and everything else. A figure taken while other processes used the CPU is printed
// with that share, so that a reader can tell a slow server from a busy machine.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

interface Snapshot {
  at: number;
  /** Busy ticks of the whole machine (all CPUs). */
  busy: number;
  /** Ticks used by each watched process (all its threads). */
  procs: Map<string, number>;
  /** Ticks per thread of the process whose threads are shown. */
  threads: Map<number, number>;
}

function machineBusy(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait (idle, waiting for the disk) left out.
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + steal;
}

function processTicks(pid: number, tid?: number): number | null {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null; // gone already
  }
}

export class CpuMeter {
  private start: Snapshot | null = null;
  /** Last ticks seen per process: a client that exits before end() keeps what it had used. */
  private last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  /** `watched()` names the processes to account for (pids may come and go); the threads of
   *  `threadsOf` are shown too (its main thread, then the busiest others). */
  constructor(private readonly watched: () => Record<string, number | undefined>, private readonly threadsOf?: number) {}

  begin(): void {
    this.last = new Map();
    this.start = this.snapshot();
    this.timer = setInterval(() => this.snapshot(), 100);
  }

  /** "server 1.55, client 0.31, other processes 0.02" (cores busy) since begin(); with `messages`,
   *  also the CPU time per message of the process whose threads are shown, which a busy machine
   *  skews less than a rate does, and of the clients: the same client doing the same work is a
   *  yardstick of the machine's own speed (when it costs more per message, the machine is slower,
   *  not the server). */
  end(messages?: number): string {
    if (this.timer) clearInterval(this.timer);
    const end = this.snapshot();
    const start = this.start ?? end;
    const seconds = (end.at - start.at) / 1000;
    const cores = (ticks: number) => (ticks / TICKS_PER_SECOND / seconds).toFixed(2);
    const parts: string[] = [];
    let ours = 0;
    let perMessage = '';
    const clients: string[] = [];
    for (const [name, ticks] of this.last) {
      const used = ticks - (start.procs.get(name) ?? 0);
      ours += used;
      const shown = this.threadsOf !== undefined && this.watched()[name] === this.threadsOf;
      parts.push(`${name} ${cores(used)}${shown ? this.threadSplit(start, end, cores) : ''}`);
      if (shown && messages) {
        const ms = (t: number) => ((t / TICKS_PER_SECOND) * 1000 / messages).toFixed(2);
        perMessage = `\n   ${name} CPU per message: ${ms(used)} ms${this.threadSplit(start, end, ms)}`;
      } else if (messages && used / TICKS_PER_SECOND / seconds >= 0.05) {
        clients.push(`${name} ${((used / TICKS_PER_SECOND) * 1e6 / messages).toFixed(0)} µs`);
      }
    }
    const other = Math.max(0, end.busy - start.busy - ours);
    const busy = other / TICKS_PER_SECOND / seconds > 0.2 ? ' -- other processes were busy: this figure is understated' : '';
    const yardstick = clients.length > 0 ? `; client CPU per message: ${clients.join(', ')}` : '';
    return `CPU, cores busy on average (of ${os.cpus().length}): ${parts.join(', ')}, other processes ${cores(other)}${busy}${perMessage}${yardstick}`;
  }

  private threadSplit(start: Snapshot, end: Snapshot, cores: (ticks: number) => string): string {
    const used = [...end.threads].map(([tid, ticks]) => ({ tid, ticks: ticks - (start.threads.get(tid) ?? 0) }));
    const main = used.find((t) => t.tid === this.threadsOf)?.ticks ?? 0;
    const others = used.filter((t) => t.tid !== this.threadsOf).sort((a, b) => b.ticks - a.ticks);
    const rest = others.slice(1).reduce((sum, t) => sum + t.ticks, 0);
    return ` (main thread ${cores(main)}, busiest other thread ${cores(others[0]?.ticks ?? 0)}, all others ${cores(rest)})`;
  }

  private snapshot(): Snapshot {
    const procs = new Map<string, number>();
    for (const [name, pid] of Object.entries(this.watched())) {
      if (!pid) continue;
      const ticks = processTicks(pid);
      if (ticks === null) continue;
      procs.set(name, ticks);
      this.last.set(name, ticks);
    }
    const threads = new Map<number, number>();
    if (this.threadsOf) {
      try {
        for (const tid of readdirSync(`/proc/${this.threadsOf}/task`).map(Number)) {
          const ticks = processTicks(this.threadsOf, tid);
          if (ticks !== null) threads.set(tid, ticks);
        }
      } catch {
        // the process is gone
      }
    }
    return { at: performance.now(), busy: machineBusy(), procs, threads };
  }
}
