// The C allocator's free memory given back to the kernel. glibc's malloc returns pages on its own
// only from the top of a heap; what thousands of closed connections freed in the middle (their
// TLS state and socket buffers, between allocations that live on) stays in the process's RSS.
// Measured with bench/memory/storm.ts, 3,000 IMAPS sessions opened and closed: RSS 303 MiB after
// they closed against 188 MiB before, with V8's heap back where it started; malloc_trim(0), which
// returns every free page of every arena (madvise), took it to 153 MiB. Node has no binding for
// it, so it is called through koffi's FFI. Null where the C library has none (musl) or koffi has
// no build for the platform: the daemon then keeps what glibc keeps.
import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');

export function mallocTrim(): (() => void) | null {
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    // The process's own symbols: the C library Node runs on, whatever its file is called.
    const trim = koffi.load(null).func('int malloc_trim(size_t pad)');
    return () => void trim(0);
  } catch {
    return null;
  }
}
