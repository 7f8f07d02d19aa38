import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv4 } from 'node:net';

/** The records of one name; TXT entries are one record each, given as one string or as its chunks. */
export interface DnsRecords {
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly CNAME?: readonly string[];
  readonly NS?: readonly string[];
  readonly MX?: readonly { readonly priority: number; readonly exchange: string }[];
  readonly TXT?: readonly (string | readonly string[])[];
}

/** Names (without the trailing dot) to their records; 'SERVFAIL' makes every query for the name fail. */
export type DnsZone = Readonly<Record<string, DnsRecords | 'SERVFAIL'>>;

export interface TestDnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

// RFC 1035 §3.2.2 TYPE values, and §4.1.1 RCODEs.
const typeCodes = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;
const rcode = { noError: 0, serverFailure: 2, nameError: 3 } as const;
const ttlSeconds = 60;

/**
 * A tiny authoritative DNS server over UDP on 127.0.0.1: one question per query, answered from `zone`, with
 * NXDOMAIN for unknown names and an empty NOERROR answer (NODATA) for a known name without that type.
 */
export async function startDnsServer(zone: DnsZone): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const reply = answer(query, zone);
    // A datagram too short or malformed to parse gets no reply, as with a real server.
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  return bind(socket);
}

/** A UDP port that reads queries and never answers: the resolver on the other end can only time out. */
export async function startSilentUdpServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  socket.on('message', () => {});
  return bind(socket);
}

async function bind(socket: Socket): Promise<TestDnsServer> {
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return {
    host: '127.0.0.1',
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function answer(query: Buffer, zone: DnsZone): Buffer | undefined {
  const question = readQuestion(query);
  if (!question) return undefined;
  const records = zone[question.name];
  const type = Object.entries(typeCodes).find(([, code]) => code === question.type)?.[0];
  const rdatas = records && records !== 'SERVFAIL' && type ? encodeRecords(records, type) : [];
  const code =
    records === undefined ? rcode.nameError : records === 'SERVFAIL' ? rcode.serverFailure : rcode.noError;

  // Header (§4.1.1): same ID; QR=1, the query's opcode and RD, AA=1; one question, the answers, nothing else.
  const flags = 0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | code;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);

  const answers = rdatas.map((rdata) => {
    // Resource record (§4.1.3); NAME is a compression pointer (§4.1.4) to the question's name at offset 12.
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0);
    fixed.writeUInt16BE(question.type, 2);
    fixed.writeUInt16BE(1, 4); // class IN
    fixed.writeUInt32BE(ttlSeconds, 6);
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

/** The first question (§4.1.2): the name, lower-cased and without the root dot, its type, and where it ends. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  if (query.length < 12 || query.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (let length = query[offset]; length !== 0; length = query[offset]) {
    // Queries carry no compression pointers (two top bits set); anything past the datagram is malformed.
    if (length === undefined || length >= 0xc0 || offset + 1 + length > query.length) return undefined;
    labels.push(query.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  const end = offset + 5; // the root label, QTYPE and QCLASS
  if (end > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(offset + 1), end };
}

function encodeRecords(records: DnsRecords, type: string): Buffer[] {
  switch (type) {
    case 'A':
      return (records.A ?? []).map((address) => Buffer.from(address.split('.').map(Number)));
    case 'AAAA':
      return (records.AAAA ?? []).map(encodeIPv6);
    case 'CNAME':
      return (records.CNAME ?? []).map(encodeName);
    case 'NS':
      return (records.NS ?? []).map(encodeName);
    case 'MX':
      return (records.MX ?? []).map(({ priority, exchange }) => {
        const preference = Buffer.alloc(2);
        preference.writeUInt16BE(priority);
        return Buffer.concat([preference, encodeName(exchange)]);
      });
    case 'TXT':
      // One or more <character-string>s (§3.3.14), each a length byte and at most 255 bytes.
      return (records.TXT ?? []).map((record) =>
        Buffer.concat((typeof record === 'string' ? [record] : record).map(encodeCharacterString)),
      );
    default:
      return [];
  }
}

/** A domain name as uncompressed labels (§3.1). */
function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map(encodeCharacterString), Buffer.of(0)]);
}

function encodeCharacterString(text: string): Buffer {
  const bytes = Buffer.from(text);
  if (bytes.length > 255) throw new Error(`DNS strings hold at most 255 bytes: ${text.slice(0, 20)}…`);
  return Buffer.concat([Buffer.of(bytes.length), bytes]);
}

/** 16 bytes from the textual form, expanding "::" (RFC 4291 §2.2); no embedded IPv4 tail. */
function encodeIPv6(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = [
    ...groups(head),
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...groups(tail),
  ];
  if (all.length !== 8 || isIPv4(all[7] ?? '')) throw new Error(`not a plain IPv6 address: ${address}`);
  const bytes = Buffer.alloc(16);
  all.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return bytes;
}
