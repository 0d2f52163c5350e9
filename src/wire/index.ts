/**
 * The wire layer of gossip-peer (the package's `./wire` export): every byte we send to or accept
 * from memberlist 0.2.2 / Serf 0.9.4 peers. Pure: no I/O, no clock, no module state.
 */
export * from './errors.js';
export * from './messages.js';
export * from './limits.js';
export { Writer, Reader } from './msgpack.js';
export {
  decodeMessage,
  encodeMessage,
  encodeMessageInto,
  encodeStreamMessage,
  encodeStreamMessageInto,
} from './memberlist-codec.js';
export { canonicalIp, ipEquals, ipFromBytes, ipToBytes, isIpv4Mapped, parseIp } from './ip.js';
export { splitCompound, writeCompound } from './compound.js';
export type { CompoundParts } from './compound.js';
export { crc32 } from './crc32.js';
export { lzwCompress, lzwDecompress } from './lzw.js';
export { LZW_ALGO, compressMessage, decompressMessage } from './compress.js';
export {
  Keyring,
  decryptPayload,
  encryptPayload,
  encryptedLength,
  keyFromBase64,
  keyToBase64,
  validateKey,
} from './keyring.js';
export type { EncryptionVersion } from './keyring.js';
export { openPacket, sealPacket } from './packet.js';
export type { NonceSource, OpenedPacket, SealOptions } from './packet.js';
export {
  STREAM_ENCRYPT_HEADER_BYTES,
  StreamFramer,
  newStreamFramer,
  openStream,
  sealStream,
  streamFrameLength,
} from './stream.js';
export type { StreamSealOptions } from './stream.js';
export {
  PING_PAYLOAD_VERSION,
  SerfFilterType,
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeSerf,
  encodeConflictResponse,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyRequest,
  encodeKeyResponse,
  encodeSerf,
  encodeSerfInto,
  encodeSerfUserMessage,
} from './serf-codec.js';
export { TAG_MAGIC_BYTE, decodeTags, encodeTags } from './tags.js';
