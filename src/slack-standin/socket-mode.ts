/**
 * The Socket Mode side of the stand-in: apps.connections.open hands out a ws:// URL, and a minimal
 * WebSocket server (RFC 6455 handshake, text frames, ping/pong, close) greets each connection with
 * Slack's `hello`. Enough for a real SocketModeClient to connect, stay connected and notice when
 * Slack drops it; no envelopes are delivered over it.
 */

import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

export class SocketModeServer {
  private readonly sockets = new Set<Duplex>();
  private refusing = false;
  /** Connections that completed the handshake, ever. */
  connections = 0;

  constructor(private readonly baseWsUrl: string) {}

  /** What apps.connections.open answers with. */
  connectionUrl(): string {
    return `${this.baseWsUrl}/socket/${randomBytes(6).toString('hex')}`;
  }

  /** Open connections. */
  get open(): number {
    return this.sockets.size;
  }

  /** Drops every connection (as when Slack recycles its servers) and, with `refuse`, turns new ones away until allowed again. */
  dropAll(options: { readonly refuse?: boolean } = {}): void {
    if (options.refuse) this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  allow(): void {
    this.refusing = false;
  }

  /** Handles an HTTP upgrade request on /socket/...; false when it is not one. */
  upgrade(req: IncomingMessage, socket: Duplex): boolean {
    if (!(req.url ?? '').startsWith('/socket/')) return false;
    const key = req.headers['sec-websocket-key'];
    if (this.refusing || typeof key !== 'string') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, '', ''].join('\r\n'));
    this.sockets.add(socket);
    this.connections++;
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (frame === null) return;
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === OPCODE.ping) socket.write(encodeFrame(OPCODE.pong, frame.payload));
        else if (frame.opcode === OPCODE.close) {
          socket.end(encodeFrame(OPCODE.close, frame.payload.subarray(0, 2)));
          return;
        }
        // Text frames from the client are acknowledgements of envelopes; none are sent here.
      }
    });
    socket.write(encodeFrame(OPCODE.text, Buffer.from(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'stand-in' } }))));
    return true;
  }
}

/** A frame as the server sends it: final, unmasked. */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** One complete frame from the start of `data` (clients always mask), or null until more bytes arrive. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (data.length < 2) return null;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return null;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= data[maskOffset + (i % 4)]!;
  return { opcode, payload, length: offset + length };
}
