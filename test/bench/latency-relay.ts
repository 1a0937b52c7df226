// Test tooling: a TCP relay on 127.0.0.1 that forwards to a loopback target (the test sshd) and delays every chunk,
// each way, by a fixed time: a stand-in for a WAN round trip (no netem here). Counts chunks, bytes and round trips
// (a client->server burst that follows server->client data starts a new round trip).
//   node --import tsx test/bench/latency-relay.ts <listen port> <target port> <one-way delay ms>   (standalone use)
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface RelayStats {
  connections: number;
  chunksUp: number;
  chunksDown: number;
  bytesUp: number;
  bytesDown: number;
  roundTrips: number;
}

export interface Relay {
  port: number;
  stats: RelayStats;
  /** Counters since the last call (and start counting afresh). */
  take(): RelayStats;
  close(): Promise<void>;
}

const zero = (): RelayStats => ({ connections: 0, chunksUp: 0, chunksDown: 0, bytesUp: 0, bytesDown: 0, roundTrips: 0 });

// Start a relay on 127.0.0.1:<listenPort, 0 = any free port> to 127.0.0.1:<targetPort>, delaying each chunk by delayMs.
export function startRelay(opts: { targetPort: number; delayMs: number; listenPort?: number }): Promise<Relay> {
  let stats = zero();
  const sockets = new Set<Socket>();
  // Same delay for every chunk of a direction, so timers fire in arrival order and the byte stream stays intact.
  const pipe = (from: Socket, to: Socket, up: boolean, flow: { lastUp: boolean }): void => {
    from.on('data', (chunk: Buffer) => {
      if (up) {
        stats.chunksUp++;
        stats.bytesUp += chunk.length;
        if (!flow.lastUp) stats.roundTrips++;
      } else {
        stats.chunksDown++;
        stats.bytesDown += chunk.length;
      }
      flow.lastUp = up;
      setTimeout(() => { if (!to.destroyed) to.write(chunk); }, opts.delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), opts.delayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), opts.delayMs));
  };
  const server: Server = createServer((client) => {
    stats.connections++;
    const upstream = connect({ host: '127.0.0.1', port: opts.targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    const flow = { lastUp: false };
    pipe(client, upstream, true, flow);
    pipe(upstream, client, false, flow);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        get stats() { return stats; },
        take: () => { const s = stats; stats = zero(); return s; },
        close: () => new Promise<void>((done) => { for (const s of sockets) s.destroy(); server.close(() => done()); }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [listen, target, delay] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(listen) || !Number.isInteger(target) || !Number.isFinite(delay)) {
    console.error('usage: latency-relay.ts <listen port> <target port> <one-way delay ms>');
    process.exit(2);
  }
  const relay = await startRelay({ listenPort: listen, targetPort: target!, delayMs: delay! });
  console.log(`relay 127.0.0.1:${relay.port} -> 127.0.0.1:${target}, ${delay} ms each way`);
}
