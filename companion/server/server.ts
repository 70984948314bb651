// The companion's WebSocket JSON-RPC server: loopback only, Host/Origin checks at the
// upgrade, the token before anything else, one schema per method, events to every
// authenticated client.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { type JobUpdated, METHODS, type MethodName } from '../../src/protocol/messages.js';
import { CLOSE_CODES, RPC_ERRORS, RequestSchema, type RpcError, type RpcResponse, describeIssues } from '../../src/protocol/rpc.js';
import { JobError } from '../jobs/queue.js';
import { ParamError } from '../jobs/validate.js';
import { MediaError } from '../media/probe.js';
import { RangeRequestError } from '../pipeline/range.js';
import { StepOptionError } from '../steps/step.js';
import { HANDLERS, type MethodContext } from './methods.js';
import { isAllowedOrigin, isLoopbackHost, tokensEqual } from './security.js';

export const MAX_MESSAGE_BYTES = 1 << 20;
const HELLO_TIMEOUT_MS = 10_000;

export interface ServerOptions {
  port: number;
  token: string;
  context: MethodContext;
  log?: (line: string) => void;
  /** Called whenever a client has authenticated. */
  onSession?: () => void;
}

export interface RunningServer {
  port: number;
  /** Sends a job.updated notification to every authenticated client. */
  broadcast(update: JobUpdated): void;
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function toRpcError(error: unknown): RpcError {
  if (error instanceof ParamError) return { code: RPC_ERRORS.invalidParams, message: error.message, data: { field: error.field } };
  if (error instanceof MediaError) return { code: RPC_ERRORS.invalidParams, message: `params.source: ${error.message}`, data: { field: 'params.source' } };
  if (error instanceof StepOptionError) return { code: RPC_ERRORS.invalidParams, message: `${error.field}: ${error.message}`, data: { field: error.field } };
  if (error instanceof RangeRequestError) return { code: RPC_ERRORS.invalidParams, message: `params.timeS: ${error.message}`, data: { field: 'params.timeS' } };
  if (error instanceof JobError) return { code: RPC_ERRORS[error.kind], message: error.message };
  return { code: RPC_ERRORS.internal, message: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { token, context } = options;
  const log = options.log ?? (() => undefined);
  const authenticated = new Set<WebSocket>();
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' }).end('refinery companion: WebSocket only\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (!isLoopbackHost(req.headers.host)) return refuse(socket, 403, 'Forbidden');
    if (!isAllowedOrigin(req.headers.origin)) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  function send(ws: WebSocket, message: RpcResponse): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  async function dispatch(ws: WebSocket, text: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      if (!authenticated.has(ws)) return ws.close(CLOSE_CODES.unauthorized, 'session.hello with the token first');
      return send(ws, { jsonrpc: '2.0', id: null, error: { code: RPC_ERRORS.parse, message: 'parse error: not JSON' } });
    }
    const request = RequestSchema.safeParse(raw);
    if (!authenticated.has(ws)) {
      const hello = request.success && request.data.method === 'session.hello' ? METHODS['session.hello'].params.safeParse(request.data.params) : undefined;
      if (!hello?.success || !tokensEqual(hello.data.token, token)) {
        return ws.close(CLOSE_CODES.unauthorized, 'session.hello with the token first');
      }
      authenticated.add(ws);
      options.onSession?.();
    }
    if (!request.success) {
      const id = typeof raw === 'object' && raw && 'id' in raw && ['number', 'string'].includes(typeof raw.id) ? (raw.id as number | string) : null;
      return send(ws, { jsonrpc: '2.0', id, error: { code: RPC_ERRORS.invalidRequest, message: describeIssues(request.error, 'request') } });
    }
    const { id, method, params } = request.data;
    if (!Object.hasOwn(METHODS, method)) {
      return send(ws, { jsonrpc: '2.0', id, error: { code: RPC_ERRORS.methodNotFound, message: `unknown method ${method}` } });
    }
    const name = method as MethodName;
    const parsed = (METHODS[name].params as z.ZodType).safeParse(params);
    if (!parsed.success) {
      const message = describeIssues(parsed.error);
      return send(ws, { jsonrpc: '2.0', id, error: { code: RPC_ERRORS.invalidParams, message, data: { field: message.split(':')[0] } } });
    }
    try {
      const handler = HANDLERS[name] as (p: unknown, c: MethodContext) => Promise<unknown>;
      send(ws, { jsonrpc: '2.0', id, result: await handler(parsed.data, context) });
    } catch (error) {
      const rpcError = toRpcError(error);
      if (rpcError.code === RPC_ERRORS.internal) log(`${method} failed: ${rpcError.message}`);
      send(ws, { jsonrpc: '2.0', id, error: rpcError });
    }
  }

  function serve(ws: WebSocket): void {
    const helloTimer = setTimeout(() => {
      if (!authenticated.has(ws)) ws.close(CLOSE_CODES.unauthorized, 'no session.hello');
    }, HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(CLOSE_CODES.unauthorized, 'text JSON only');
      void dispatch(ws, data.toString());
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(helloTimer);
      authenticated.delete(ws);
    });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    broadcast(update) {
      const text = JSON.stringify({ jsonrpc: '2.0', method: 'job.updated', params: update });
      for (const ws of authenticated) if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const ws of wss.clients) ws.close(CLOSE_CODES.shuttingDown, 'companion shutting down');
      // Give clients a moment to answer the close handshake, then cut what is left.
      await new Promise((r) => setTimeout(r, 200));
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await closed;
    },
  };
}
