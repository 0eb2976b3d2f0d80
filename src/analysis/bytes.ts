/**
 * Bytes that crossed a thread boundary. Its own module so that code handling a job's output (the
 * report service) does not load the pool, and with it piscina and canvas.
 */

/** A Buffer crosses a thread boundary as a plain Uint8Array; view the same bytes as a Buffer again. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
