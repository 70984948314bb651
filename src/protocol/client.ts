// The panel's side of the companion protocol: a typed JSON-RPC client over any WebSocket
// (the browser's in CEP and UXP, `ws` in Node). Results and notifications are validated with
// the same schemas the companion uses.
import { type JobUpdated, JobUpdatedSchema, METHODS, type MethodName, type Params, type Result } from './messages.js';
import type { RpcError } from './rpc.js';

/**
 * The part of the WebSocket API the client uses. Handlers take `any` events so that both
 * the DOM's WebSocket and Node's `ws` fit without casts.
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export class RpcCallError extends Error {
  readonly code: number;
  readonly data?: unknown;

  constructor(error: RpcError) {
    super(error.message);
    this.code = error.code;
    this.data = error.data;
  }
}

export class CompanionClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: MethodName }>();
  private readonly updateListeners = new Set<(update: JobUpdated) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();

  private constructor(private readonly socket: SocketLike) {
    socket.onmessage = (event: { data: unknown }) => this.receive(String(event.data));
    socket.onclose = (event: { code: number }) => {
      const reason = event.code === 4401 ? 'the companion refused the token' : `connection closed (${event.code})`;
      for (const p of this.pending.values()) p.reject(new Error(reason));
      this.pending.clear();
      for (const listener of this.closeListeners) listener(reason);
    };
  }

  /** Opens the socket and says hello with the token; rejects if either fails. */
  static connect(url: string, token: string, open: SocketFactory): Promise<CompanionClient> {
    return new Promise((resolve, reject) => {
      let socket: SocketLike;
      try {
        socket = open(url);
      } catch (error) {
        reject(error as Error);
        return;
      }
      socket.onerror = () => reject(new Error(`cannot reach the companion at ${url}`));
      socket.onclose = (event: { code: number }) => reject(new Error(`the companion closed the connection (${event.code})`));
      socket.onopen = () => {
        const client = new CompanionClient(socket);
        client.call('session.hello', { token, client: 'refinery-panel' }).then(() => resolve(client), reject);
      };
    });
  }

  call<M extends MethodName>(method: M, ...args: undefined extends Params<M> ? [params?: Params<M>] : [params: Params<M>]): Promise<Result<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: args[0] ?? {} }));
    });
  }

  onJobUpdated(listener: (update: JobUpdated) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.socket.close(1000, 'panel closed');
  }

  private receive(text: string): void {
    let message: { id?: number; result?: unknown; error?: RpcError; method?: string; params?: unknown };
    try {
      message = JSON.parse(text);
    } catch {
      return; // the companion only sends JSON; anything else is not ours to act on
    }
    if (message.method === 'job.updated') {
      const update = JobUpdatedSchema.safeParse(message.params);
      if (update.success) for (const listener of this.updateListeners) listener(update.data);
      return;
    }
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id!);
    if (message.error) return pending.reject(new RpcCallError(message.error));
    const checked = METHODS[pending.method].result.safeParse(message.result);
    if (checked.success) pending.resolve(checked.data);
    else pending.reject(new Error(`${pending.method}: unexpected result (${checked.error.issues[0]?.message})`));
  }
}
