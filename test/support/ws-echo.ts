import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** A WebSocket echo upstream on node:http 'upgrade' with a minimal RFC 6455 frame codec (no extensions). */
export interface WebSocketEcho {
  readonly url: string;
  readonly server: Server;
  /** Request headers of every upgrade request that arrived, in order. */
  readonly handshakes: readonly IncomingHttpHeaders[];
  /** Close codes the echo received from its peers, in order. */
  readonly closeCodesReceived: readonly number[];
  readonly openConnections: number;
  /** Starts the close handshake from the upstream side on every open connection. */
  closeAll(code: number): void;
  close(): Promise<void>;
}

export interface WebSocketEchoOptions {
  /** Answer upgrades with this status and a short body instead of 101. */
  readonly rejectStatus?: number;
  /** Answer the handshake this long after it arrived, as a busy upstream would. */
  readonly answerAfterMs?: number;
}

const handshakeGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const opcodes = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

interface Frame {
  readonly isFinal: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

export async function startWebSocketEcho(options: WebSocketEchoOptions = {}): Promise<WebSocketEcho> {
  const handshakes: IncomingHttpHeaders[] = [];
  const closeCodesReceived: number[] = [];
  const open = new Map<Duplex, { isClosing: boolean }>();
  // Plain requests (health checks) get a 200, so the echo can sit in a pool with active checks.
  const server = createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    handshakes.push(req.headers);
    if (options.rejectStatus !== undefined) {
      socket.end(`HTTP/1.1 ${options.rejectStatus} Rejected\r\ncontent-length: 8\r\n\r\nrejected`);
      return;
    }
    const accept = createHash('sha1')
      .update(`${String(req.headers['sec-websocket-key'])}${handshakeGuid}`)
      .digest('base64');
    const switching = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
    if (options.answerAfterMs === undefined) socket.write(switching);
    else setTimeout(() => socket.writable && socket.write(switching), options.answerAfterMs);
    const state = { isClosing: false };
    open.set(socket, state);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // The server's sockets allow half-open; a peer that hung up without a close frame is gone all the same.
    socket.on('end', () => socket.end());
    let pending: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      for (let decoded = decodeFrame(pending); decoded; decoded = decodeFrame(pending)) {
        pending = decoded.rest;
        answer(socket, state, decoded.frame, closeCodesReceived);
      }
    };
    if (head.length > 0) onData(head);
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    handshakes,
    closeCodesReceived,
    get openConnections() {
      return open.size;
    },
    closeAll(code) {
      for (const [socket, state] of open) {
        state.isClosing = true;
        socket.write(encodeFrame(opcodes.close, closePayload(code)));
      }
    },
    close() {
      for (const socket of open.keys()) socket.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(socket: Duplex, state: { isClosing: boolean }, frame: Frame, closeCodes: number[]): void {
  switch (frame.opcode) {
    case opcodes.close:
      closeCodes.push(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005);
      // RFC 6455 §5.5.1: answer a close with a close, then the server closes the TCP connection.
      if (!state.isClosing) socket.write(encodeFrame(opcodes.close, frame.payload));
      socket.end();
      return;
    case opcodes.ping:
      socket.write(encodeFrame(opcodes.pong, frame.payload));
      return;
    case opcodes.pong:
      return;
    default:
      socket.write(encodeFrame(frame.opcode, frame.payload, frame.isFinal));
  }
}

export function encodeFrame(opcode: number, payload: Buffer, isFinal = true): Buffer {
  const first = (isFinal ? 0x80 : 0) | opcode;
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([first, payload.length]);
  } else if (payload.length < 65_536) {
    header = Buffer.from([first, 126, 0, 0]);
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** One complete frame off the front of `bytes` (unmasked), or undefined until more bytes arrive. */
function decodeFrame(bytes: Buffer): { frame: Frame; rest: Buffer } | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[0]!;
  const second = bytes[1]!;
  let offset = 2;
  let length = second & 0x7f;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  const isMasked = (second & 0x80) !== 0;
  const maskOffset = offset;
  if (isMasked) offset += 4;
  if (bytes.length < offset + length) return undefined;
  const payload = Buffer.from(bytes.subarray(offset, offset + length));
  if (isMasked) for (let i = 0; i < payload.length; i++) payload[i]! ^= bytes[maskOffset + (i % 4)]!;
  const frame = { isFinal: (first & 0x80) !== 0, opcode: first & 0x0f, payload };
  return { frame, rest: bytes.subarray(offset + length) };
}

function closePayload(code: number): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code, 0);
  return payload;
}
